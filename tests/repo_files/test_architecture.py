"""The architecture is a checked contract (docs/architecture.md).

`lint-imports` checks the import contracts of pyproject.toml (layers from the
CLI down to the core, reporters kept from the commands, no cycle between the
modules of a package); these tests run it on the code as it is, and on copies
of the code with one forbidden import added, which it must refuse. They also
hold the shape a newcomer relies on: few top-level modules, no two modules or
classes named alike for different jobs, and no import cycle at all between
modules, function-level imports included.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

from testing.repo import ROOT

SRC = ROOT / "src" / "modelrail"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# modules that share a stem because they play the same role in different
# packages (the CLI of a command is named after it; each command has its own
# inputs, report, Markdown and text formats, transport)
SAME_ROLE = {
    "check": "the check command: cli/check.py and its package",
    "diff": "the diff command's CLI",
    "gate": "the gate command: cli/gate.py and its package",
    "promote": "the promote command: cli/promote.py and its package",
    "render": "the render command: cli/render.py and its package",
    "rollback": "the rollback command: cli/rollback.py and its edit (promote/)",
    "verify": "the verify command: cli/verify.py and its package",
    "inputs": "what a command reads (gate, render)",
    "report": "what a command found (check, gate)",
    "markdown": "a command's Markdown format (check's reporters, diff)",
    "text": "a command's text format (check's reporters, diff)",
    "transport": "how a package talks to the outside (gate: HTTP, git: git)",
}


def lint_imports(src: Path = ROOT / "src") -> subprocess.CompletedProcess[str]:
    """lint-imports with the contracts of pyproject.toml, on the package
    found in ``src`` (a copy of the code, or the code itself)."""
    env = {**os.environ, "PYTHONPATH": str(src), "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_contracts_hold() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "chain"),
    [
        (
            "reporters/text.py",
            "from modelrail.cli import main",
            "Reporters read a check's Report only",
            "modelrail.reporters.text -> modelrail.cli",
        ),
        (
            "repository/loader.py",
            "from modelrail.check import runner",
            "Layers:",
            "modelrail.repository.loader -> modelrail.check.runner",
        ),
        (
            "render/facts.py",
            "from modelrail.render import refusals",
            "No import cycle",
            ".facts -> .refusals",
        ),
    ],
    ids=["reporter-imports-cli", "load-stage-imports-check", "cycle-in-render"],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str, chain: str
) -> None:
    copy = tmp_path / "src" / "modelrail"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / module
    text = target.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\nfrom __future__ import annotations\n")
    assert sep, f"{module} has no __future__ import to add the line after"
    target.write_text(f"{head}{sep}\n{line}  # noqa\n{tail}", encoding="utf-8")
    result = lint_imports(tmp_path / "src")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
    assert chain in " ".join(broken.split())


def test_few_modules_at_the_top() -> None:
    modules = sorted(
        p.stem for p in SRC.glob("*.py") if p.name not in ("__init__.py", "__main__.py")
    )
    assert len(modules) <= 10, modules


def test_no_two_modules_share_a_stem_for_different_jobs() -> None:
    stems: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        if path.name == "__init__.py":
            stems[path.parent.name].append(path.parent.relative_to(SRC).as_posix())
        elif path.name != "__main__.py":
            stems[path.stem].append(path.relative_to(SRC).as_posix())
    shared = {stem: where for stem, where in stems.items() if len(where) > 1}
    assert set(shared) <= set(SAME_ROLE), {
        stem: where for stem, where in shared.items() if stem not in SAME_ROLE
    }


def test_no_two_classes_share_a_name_across_the_commands() -> None:
    """A reader who meets ``Registry`` or ``Side`` knows which one it is."""
    places: dict[str, list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                places[node.name].append(path.relative_to(SRC).as_posix())
    # each pair: what one command reads or finds, its own shape
    allowed = {"Inputs", "Result", "Settings", "Peers"}
    twice = {name: where for name, where in places.items() if len(where) > 1}
    assert set(twice) <= allowed, twice
    assert "Registry" not in twice
    assert "Side" not in twice


def test_no_module_imports_itself_back() -> None:
    """No cycle at all between modules, function-level imports included
    (annotations only, under TYPE_CHECKING, are not imports)."""
    graph = grimp.build_graph("modelrail", exclude_type_checking_imports=True)
    cycles = sorted(
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if importer < imported
        and graph.chain_exists(importer=imported, imported=importer)
    )
    assert cycles == []
