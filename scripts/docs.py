"""Generate docs/policies.md and docs/checklist-coverage.md from policies/.

    python scripts/docs.py           # write them (atomically)
    python scripts/docs.py --check   # exit 1 when either is stale (CI, pre-commit)

Both are pure functions of the policy modules, policies/profiles.yaml and
policies/checklist.yaml (modelrail.describe), so they never drift by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modelrail import catalog, describe
from modelrail.repo import Repository
from modelrail.writer import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def generate(root: Path = ROOT) -> dict[Path, str]:
    """Path -> the text it must hold."""
    found = catalog.load(Repository(root))
    return {
        root / "docs" / "policies.md": describe.markdown(found),
        root / "docs" / "checklist-coverage.md": describe.coverage(found),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generate().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            write_atomic(path, text)
            print(f"wrote {path.relative_to(ROOT).as_posix()}")
    if stale:
        print(
            f"stale: {', '.join(stale)} (run python scripts/docs.py)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
