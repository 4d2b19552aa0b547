"""``Rendered`` (:mod:`modelrail.render.pipeline`): what a render changed, per app."""

from __future__ import annotations

from modelrail.render.pipeline import Rendered


def test_rendered_groups_files_per_app() -> None:
    rendered = Rendered(
        added=("README.md", "_bootstrap/k8s-prod/app.yaml"),
        changed=("prod/m/rollout.yaml",),
        removed=("prod/m/sub/x.yaml",),
    )
    assert rendered.apps() == {
        "": {"added": ["README.md"]},
        "_bootstrap/k8s-prod": {"added": ["app.yaml"]},
        "prod/m": {"changed": ["rollout.yaml"], "removed": ["sub/x.yaml"]},
    }
    assert rendered.paths == (
        "README.md",
        "_bootstrap/k8s-prod/app.yaml",
        "prod/m/rollout.yaml",
        "prod/m/sub/x.yaml",
    )
