"""Generate docs/policies.md and docs/checklist-coverage.md from policies/.

    python scripts/docs.py           # write them (atomically)
    python scripts/docs.py --check   # exit 1 when either is stale (CI, pre-commit)

Both are pure functions of the policy modules, policies/profiles.yaml and
policies/checklist.yaml (modelrail.policy.docs), so they never drift by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelrail.policy import catalog
from modelrail.policy import docs as describe
from modelrail.repository.layout import Repository
from modelrail.repository.writer import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def generate(root: Path = ROOT) -> dict[Path, str]:
    """Path -> the text it must hold."""
    found = catalog.load(Repository(root))
    return {
        root / "docs" / "policies.md": describe.markdown(found),
        root / "docs" / "checklist-coverage.md": describe.coverage(found),
    }


def stale(root: Path = ROOT) -> list[str]:
    """The generated docs under ``root`` that differ from what they must hold."""
    return sorted(
        path.relative_to(root).as_posix()
        for path, text in generate(root).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    )


def write(root: Path = ROOT) -> list[str]:
    """Rewrite the stale ones (atomically); their names."""
    names = stale(root)
    for path, text in generate(root).items():
        if path.relative_to(root).as_posix() in names:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when stale")
    args = parser.parse_args(argv)
    if not args.check:
        for name in write():
            print(f"wrote {name}")
        return 0
    names = stale()
    if names:
        print(
            f"stale: {', '.join(names)} (run python scripts/docs.py)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
