"""``modelrail.diffing.markdown``: a diff for a pull-request comment.

Every test runs on a real git repository: a copy of the bundled repository
committed on ``main`` (the base), then edited in its working tree (the
fixtures: ``conftest.py``; the helpers: ``testing/diffing.py``). Proven here:

- the Markdown escapes a hostile description (no HTML, mention, link or extra
  table cell), fences a diff holding backticks in a longer fence, and stays
  under its limit, saying what it left out.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

from modelrail.diffing import markdown, text
from testing.diffing import PROD, run
from testing.repo import replace_once

if TYPE_CHECKING:
    from pathlib import Path


HOSTILE = (
    "Evil | `code` <script>alert(1)</script> @everyone [click](https://x.example)"
    " *bold* $x$ ~~gone~~ \\\\n"
)


def test_markdown_escapes_a_hostile_description(repo: Path) -> None:
    spec = repo / "environments/prod/fraud-scorer.yaml"
    shutil.copyfile(repo / PROD, spec)
    replace_once(
        spec, "metadata:\n  name: fraud-detector\n", "metadata:\n  name: fraud-scorer\n"
    )
    replace_once(
        spec,
        "  description: Scores card payments for fraud before authorisation.\n",
        f'  description: "{HOSTILE}\\nsecond line ``` </details>"\n',
    )
    replace_once(
        spec,
        "      - {name: LOG_FORMAT, value: json}\n",
        '      - {name: LOG_FORMAT, value: "json ````"}\n',
    )
    result = run(repo, envs=("prod",))
    shown, terminal = markdown.render(result), text.render(result)
    row = next(
        ln for ln in shown.splitlines() if ln.startswith("| `prod` | `fraud-scorer`")
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells, no more
    for raw in ("<script>", "@everyone", "[click]", "*bold*", "$x$", "~~gone"):
        assert raw not in row
    for escaped in ("\\<script\\>", "@&#8203;everyone", "\\[click\\]"):
        assert escaped in row
    for escaped in ("\\*bold\\*", "\\$x\\$", "\\~\\~gone"):
        assert escaped in row
    assert "<script>" not in shown
    assert "second line" in row  # the description stays on its row
    assert "</details>" not in row
    assert "    Evil | `code` <script>" in terminal  # a terminal shows it as is
    # the diff holding four backticks is fenced with five
    rollout = shown.index("prod/fraud-scorer/rollout.yaml: Rollout")
    assert shown[rollout:].split("\n\n", 2)[1].startswith("`````diff\n")
    assert "````" in shown[rollout:]


def test_markdown_stays_under_its_limit(repo: Path) -> None:
    replace_once(
        repo / "render/templates/service.yaml.j2",
        "  type: ClusterIP\n",
        "  type: ClusterIP\n  sessionAffinity: None\n",
    )
    result = run(repo, envs=("prod", "staging"))
    whole = markdown.render(result)
    assert len(whole) < markdown.LIMIT
    assert "Cut to stay" not in whole
    assert whole.count("<details>") == len(result.resources)
    cut = markdown.render(result, limit=4000)
    assert len(cut) <= 4000
    kept = cut.count("<details>")
    assert 0 < kept < len(result.resources)
    assert f"left out {len(result.resources) - kept} resource diff(s)" in cut
    assert cut.rstrip().endswith("to see everything.")
    assert "`modelrail diff --base main`" in cut
    assert cut.count("```diff") == kept
    assert cut.count("</details>") == kept
