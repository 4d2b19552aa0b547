"""Render only what changed: the result is a full render's, byte for byte.

200 seeded random edits of everything a render reads (specs, environment
files, templates, CRD and spec schemas, policy profiles, modelrail's
version) and of things it does not: after each, the incremental render of
the evolving ``rendered/`` must equal a full render of the same inputs made
from nothing, file for file; and a hand edit of any rendered file (a
manifest, a ``kustomization.yaml``, a ``render.sum``, a file added or taken
away) must be found by ``render --check``, incremental as it is.
"""

from __future__ import annotations

import random
import shutil
from typing import TYPE_CHECKING

import pytest

from modelrail.render import pipeline, records
from modelrail.render.records import RECORD
from modelrail.repository.layout import Repository
from testing.render import make_repo, read_tree

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

EDITS = 200
SEED = 20261203


def _specs(root: Path) -> list[Path]:
    return sorted(
        p
        for p in (root / "environments").glob("*/*.yaml")
        if p.stem not in ("environment", "waivers")
    )


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _sub(path: Path, old: str, new: str) -> bool:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        return False
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return True


class Editor:
    """Random edits of a repository's inputs, each valid."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.version = 0

    def pick(self, paths: list[Path]) -> Path:
        return paths[self.rng.randrange(len(paths))]

    def spec_comment(self, i: int) -> str:
        spec = self.pick(_specs(self.root))
        _append(spec, f"# edit {i}\n")
        return f"comment in {spec.name}"

    def spec_description(self, i: int) -> str:
        spec = self.pick(_specs(self.root))
        _sub(spec, "  description: ", f"  description: Edit {i}. ")
        return f"description of {spec.name}"

    def spec_contact(self, i: int) -> str:
        spec = self.pick(_specs(self.root))
        text = spec.read_text(encoding="utf-8")
        head, sep, tail = text.partition("    escalation: ")
        if sep:
            _, _, rest = tail.partition("\n")
            spec.write_text(f"{head}{sep}lead-{i}@example.com\n{rest}", "utf-8")
        return f"contact of {spec.name}"

    def spec_replicas(self, i: int) -> str:
        spec = self.pick(_specs(self.root))
        text = spec.read_text(encoding="utf-8")
        for n in range(8, 30):
            if f"maxReplicas: {n}\n" in text:
                spec.write_text(
                    text.replace(f"maxReplicas: {n}\n", f"maxReplicas: {n + 1}\n", 1),
                    "utf-8",
                )
                break
        return f"replicas of {spec.name}"

    def spec_added(self, i: int) -> str:
        spec = self.pick(_specs(self.root))
        name = f"{spec.stem.split('-copy')[0]}-copy{i}"
        text = spec.read_text(encoding="utf-8")
        text = text.replace(f"  name: {spec.stem}\n", f"  name: {name}\n", 1)
        (spec.parent / f"{name}.yaml").write_text(text, encoding="utf-8")
        return f"new spec {name}"

    def spec_removed(self, i: int) -> str:
        copies = [p for p in _specs(self.root) if "-copy" in p.stem]
        if not copies:
            return self.spec_added(i)
        victim = self.pick(copies)
        victim.unlink()
        return f"removed {victim.name}"

    def environment_comment(self, i: int) -> str:
        env = self.pick(sorted(self.root.glob("environments/*/environment.yaml")))
        _append(env, f"# edit {i}\n")
        return f"comment in {env.parent.name}/environment.yaml"

    def environment_data(self, i: int) -> str:
        env = self.pick(sorted(self.root.glob("environments/*/environment.yaml")))
        _sub(env, "  description: ", f"  description: Edit {i}. ")
        return f"description of {env.parent.name}"

    def template_comment(self, i: int) -> str:
        template = self.pick(sorted((self.root / "render/templates").glob("*.j2")))
        _append(template, f"{{# edit {i} #}}\n")
        return f"comment in {template.name}"

    def template_output(self, i: int) -> str:
        names = ["service.yaml.j2", "pdb.yaml.j2", "_metadata.j2", "appproject.yaml.j2"]
        template = self.root / "render/templates" / self.rng.choice(names)
        if template.name == "_metadata.j2":
            _append(template, f"{{# edit {i} #}}\n")
        else:  # a YAML comment at the end: the output changes, and stays valid
            _append(template, f"\n# edit {i}\n")
        return f"output of {template.name}"

    def crd_schema(self, i: int) -> str:
        crds = sorted((self.root / "schemas/crds").glob("*/*.json"))
        crd = self.pick(crds)
        text = crd.read_text(encoding="utf-8")
        crd.write_text(text.replace("{", f'{{"$comment": "edit {i}", ', 1), "utf-8")
        return f"schema {crd.name}"

    def spec_schema(self, i: int) -> str:
        schema = self.root / "schemas/modeldeployment.v1.json"
        text = schema.read_text(encoding="utf-8")
        schema.write_text(text.replace("{", f'{{"$comment": "edit {i}", ', 1), "utf-8")
        return "the spec schema"

    def profile(self, i: int) -> str:
        profiles = self.root / "policies/profiles.yaml"
        _append(profiles, f"# edit {i}\n")
        return "policies/profiles.yaml"

    def modelrail_version(self, i: int) -> str:
        self.version += 1
        return f"modelrail version {self.version}"

    def edits(self) -> list[Callable[[int], str]]:
        return [
            self.spec_comment, self.spec_description, self.spec_contact,
            self.spec_replicas, self.spec_replicas, self.spec_added,
            self.spec_removed, self.environment_comment, self.environment_data,
            self.template_comment, self.template_output, self.crd_schema,
            self.spec_schema, self.profile, self.modelrail_version,
        ]  # fmt: skip


def _full(root: Path) -> dict[str, bytes]:
    """What a full render from nothing makes of ``root`` (in memory)."""
    files = pipeline.build(Repository(root), jobs=1).files
    return {path: text.encode("utf-8") for path, text in files.items()}


def _hand_edit(out: Path, rng: random.Random, i: int) -> str:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    target = files[rng.randrange(len(files))]
    how = rng.choice(["append", "flip", "delete", "stray", "record"])
    if target.name == "README.md":  # the marker render looks for: kept ours
        how = "append"
    if how == "record":
        target = rng.choice(sorted(out.glob(f"*/*/{RECORD}")))
        how = rng.choice(["append", "flip"])
    if how == "append":
        _append(target, " ")
    elif how == "flip":
        data = bytearray(target.read_bytes())
        at = rng.randrange(len(data))
        data[at] = ord("x") if data[at] != ord("x") else ord("y")
        target.write_bytes(bytes(data))
    elif how == "delete":
        target.unlink()
    else:
        target = target.parent / f"stray-{i}.yaml"
        target.write_text("kind: Secret\n", encoding="utf-8")
    return f"{how} {target.relative_to(out)}"


def test_incremental_render_equals_a_full_render_over_random_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo")
    repo = Repository(root)
    editor = Editor(root, random.Random(SEED))
    rng = random.Random(SEED + 1)
    made_by = records.made_by()
    monkeypatch.setattr(
        records, "made_by", lambda: f"{made_by} (test {editor.version})"
    )
    pipeline.sync(repo, jobs=1)  # the first render: nothing to trust
    kinds = editor.edits()
    rendered_again = hand_edits = 0
    for i in range(EDITS):
        what = rng.choice(kinds)(i)
        synced = pipeline.sync(repo, jobs=1)
        rendered_again += synced.rendered
        full = _full(root)
        assert read_tree(root / "rendered") == full, f"edit {i}: {what}"
        assert not pipeline.sync(repo, write=False, jobs=1).differences, what
        if rng.random() < 0.5:  # a hand edit of the output is always found
            edited = _hand_edit(root / "rendered", rng, i)
            found = pipeline.sync(repo, write=False, jobs=1).differences
            assert found, f"edit {i}: the hand edit ({edited}) was not found"
            pipeline.sync(repo, jobs=1)  # and a render puts it right
            assert read_tree(root / "rendered") == full, f"edit {i}: {edited}"
            hand_edits += 1
    apps = len(_specs(root))
    # most renders trusted most folders: it is incremental, not full each time
    assert rendered_again < EDITS * apps / 2
    assert hand_edits > EDITS // 4


def test_a_trusted_folder_is_not_read_again(tmp_path: Path) -> None:
    """A spec whose folder is trusted is not even parsed: a render after a
    change of one spec renders that one folder."""
    root = make_repo(tmp_path / "repo")
    repo = Repository(root)
    pipeline.sync(repo, jobs=1)
    spec = root / "environments/staging/churn-predictor.yaml"
    _sub(spec, "  description: ", "  description: Changed. ")
    synced = pipeline.sync(repo, write=False, jobs=1)
    assert synced.rendered == 1
    assert {d.path for d in synced.differences} == {
        "staging/churn-predictor/configmap.yaml",
        f"staging/churn-predictor/{RECORD}",
    } or all(d.path.startswith("staging/churn-predictor/") for d in synced.differences)
    assert pipeline.sync(repo, write=False, full=True, jobs=1).differences == (
        synced.differences
    )


def test_the_record_checks_with_sha256sum(tmp_path: Path) -> None:
    """``sha256sum -c render.sum`` in a folder checks its files."""
    import subprocess

    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum")
    root = make_repo(tmp_path / "repo")
    pipeline.sync(Repository(root), jobs=1)
    folder = root / "rendered/prod/fraud-detector"
    ok = subprocess.run(
        ["sha256sum", "--strict", "-c", RECORD],
        cwd=folder,
        capture_output=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    _append(folder / "rollout.yaml", " ")
    bad = subprocess.run(
        ["sha256sum", "-c", RECORD], cwd=folder, capture_output=True, check=False
    )
    assert bad.returncode == 1
    assert b"rollout.yaml: FAILED" in bad.stdout
