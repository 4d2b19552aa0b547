"""``modelrail diff``: what a change does to the rendered manifests and to the
policy results, the repository at a base git ref against the working tree.

``core.diff`` builds a :class:`~modelrail.diffing.results.Result` (values only);
``text`` and ``markdown`` turn it into what a terminal or a pull-request
comment shows. ``snapshot`` materialises the base read-only (``git archive``
into a temporary folder), ``side`` renders and checks one side, ``compare``
lines the two up per resource, per model and per finding.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.diffing.results import Result

# the output formats: each is the module of this package whose ``render``
# prints a Result (imported on use, so the CLI lists them for free)
FORMATS = ("markdown", "text")


def render(result: Result, fmt: str) -> str:
    """``result`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown diff format {fmt!r}")
    text: str = importlib.import_module(f"modelrail.diffing.{fmt}").render(result)
    return text
