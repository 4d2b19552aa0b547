"""``modelrail rollback --from-alerts``: each guard, against a real
Alertmanager on 127.0.0.1 (alerts posted to its API v2, as Prometheus posts
them), in real git repositories.

- a firing alert for prod fraud-detector 3.3.0: the branch
  rollback/prod/fraud-detector holds the rollback commit, the body is in
  DIR/prod/fraud-detector.md, HEAD is back on main; a second run finds the
  branch and changes nothing;
- an alert about another version than git runs: ignored;
- a spec that runs a declared rollback: never rolled back again;
- a spec without rollback.automatic: true: refused;
- label values that are not names (a path, a shell line): ignored, never a
  branch; hostile alert names and summaries reach the commit message on one
  line and the body escaped;
- no firing alert: nothing to do; an Alertmanager that cannot be read (a
  closed port, an answer that is not its API): exit 2, nothing changed;
- end to end: the rendered rules in Debian's prometheus over a history where
  accuracy falls under the floor, the alert in Debian's
  prometheus-alertmanager, and the rollback committed on its branch; a
  second run changes nothing, a healthy series asks for nothing.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests

from testing import promoted as rollback_repo
from testing.alertmanager import running_alertmanager
from testing.git import commit_at, git
from testing.repo import replace_once
from testing.rollback_alerts import Cause, rollback_alerts

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.tool

invoke = rollback_repo.invoke
NOW = rollback_repo.NOW
SPEC = "environments/prod/fraud-detector.yaml"
BRANCH = "rollback/prod/fraud-detector"
ACCURACY, HEALTHY = Cause.ACCURACY, Cause.HEALTHY


@pytest.fixture(scope="module")
def promoted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rollback_repo.built(tmp_path_factory, "rollback-alerts")


@pytest.fixture
def repo(promoted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return rollback_repo.clone(promoted, tmp_path, monkeypatch)


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "alertmanager"
    folder.mkdir()
    with running_alertmanager(folder) as url:
        yield url


def fire(url: str, **labels: str) -> None:
    """Post one firing alert, as Prometheus does (API v2)."""
    now = datetime.datetime.now(datetime.UTC)
    alert: dict[str, Any] = {
        "labels": {
            "alertname": "ModelAccuracyBelowFloor",
            "severity": "critical",
            "modelrail_action": "rollback",
            "environment": "prod",
            "model": "fraud-detector",
            "version": "3.3.0",
            **labels,
        },
        "annotations": {"summary": "accuracy 0.86 < 0.90"},
        "startsAt": (now - datetime.timedelta(minutes=5)).isoformat(),
        "endsAt": (now + datetime.timedelta(hours=1)).isoformat(),
    }
    answer = requests.post(f"{url}/api/v2/alerts", json=[alert], timeout=10)
    assert answer.status_code == 200, answer.text
    seen = requests.get(f"{url}/api/v2/alerts", timeout=10).json()
    assert any(a["labels"] == alert["labels"] for a in seen)


def rollback(repo: Path, url: str, *extra: str) -> Any:
    return invoke(
        "rollback", "--from-alerts", url, "--root", str(repo), "--now", NOW, *extra
    )


def branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()


def test_a_firing_alert_rolls_back_once(repo: Path, alertmanager: str) -> None:
    fire(alertmanager)
    head = git(repo, "rev-parse", "HEAD")
    done = rollback(repo, alertmanager, "--body", str(repo.parent / "bodies"))
    assert done.exit_code == 0, done.output
    assert branches(repo) == ["main", BRANCH]
    assert git(repo, "branch", "--show-current") == "main"
    assert git(repo, "rev-parse", "HEAD") == head  # main is untouched
    assert git(repo, "status", "--porcelain") == ""
    subject = git(repo, "log", "-1", "--format=%s", BRANCH)
    assert subject == "revert(prod): roll back fraud-detector 3.3.0 -> 3.2.0"
    spec = git(repo, "show", f"{BRANCH}:{SPEC}")
    assert 'version: "3.2.0"' in spec
    assert "ModelAccuracyBelowFloor" in spec  # the reason names the alert
    body = (repo.parent / "bodies" / "prod" / "fraud-detector.md").read_text()
    assert "### Triggered by ModelAccuracyBelowFloor" in body
    assert "accuracy 0.86 \\< 0.90" in body
    # a second run: the branch says a rollback is under way
    again = rollback(repo, alertmanager)
    assert again.exit_code == 0, again.output
    assert (
        "a rollback of it is under way (refs/heads/rollback/prod/fraud-detector)"
        in (again.output)
    )
    assert branches(repo) == ["main", BRANCH]


def test_an_alert_about_another_version_is_ignored(
    repo: Path, alertmanager: str
) -> None:
    fire(alertmanager, version="3.2.0")
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert "the alert is about 3.2.0, git runs 3.3.0" in done.output
    assert branches(repo) == ["main"]


def test_a_rollback_is_never_rolled_back(repo: Path, alertmanager: str) -> None:
    assert invoke(
        "rollback", "fraud-detector", "--env", "prod", "--root", str(repo),
        "--commit", "--now", NOW,
    ).exit_code == 0  # fmt: skip
    fire(alertmanager, version="3.2.0")  # the restored version misbehaves too
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert "never roll back a rollback" in done.output
    assert branches(repo) == ["main"]


def test_without_automatic_it_is_refused(repo: Path, alertmanager: str) -> None:
    replace_once(repo / SPEC, "    automatic: true\n", "    automatic: false\n")
    commit_at(repo, "no automatic rollback", NOW)
    fire(alertmanager)
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert "refused: its spec does not set rollback.automatic: true" in done.output
    assert branches(repo) == ["main"]


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("model", "../../etc"),
        ("model", "fraud-detector; git push --force"),
        ("environment", "prod\nmain"),
        ("version", "3.3.0 && rm -rf /"),
    ],
)
def test_labels_that_are_not_names_never_reach_git(
    repo: Path, alertmanager: str, label: str, value: str
) -> None:
    fire(alertmanager, **{label: value})
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert f"its {label} label" in done.output
    assert "ignored" in done.output
    assert branches(repo) == ["main"]


def test_hostile_alert_text_is_one_line_in_git_and_escaped_in_the_body(
    repo: Path, alertmanager: str
) -> None:
    name = "Low\n\nSigned-off-by: mallory <m@example.com>\n<script>x</script> @team"
    fire(alertmanager, alertname=name)
    done = rollback(repo, alertmanager, "--body", str(repo.parent / "bodies"))
    assert done.exit_code == 0, done.output
    message = git(repo, "log", "-1", "--format=%B", BRANCH)
    (reason,) = [line for line in message.splitlines() if line.startswith("Reason:")]
    assert "Signed-off-by" in reason  # on the reason's line, not a trailer
    assert not any(line.startswith("Signed-off-by") for line in message.splitlines())
    body = (repo.parent / "bodies" / "prod" / "fraud-detector.md").read_text()
    # outside code spans (shown as written, never as HTML or a mention) ...
    text = re.sub(r"(`+)(?:(?!\1).)+?\1", "", body)
    assert "<script>" not in text
    assert "@team" not in text  # broken, so nobody is notified
    # ... it is escaped
    assert "\\<script\\>" in text


def test_no_firing_alert_means_nothing_to_do(repo: Path, alertmanager: str) -> None:
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert "no firing alert asks for a rollback" in done.output
    assert branches(repo) == ["main"]


def test_an_alertmanager_that_cannot_be_read_changes_nothing(
    repo: Path, alertmanager: str
) -> None:
    fire(alertmanager)
    for url in ("http://127.0.0.1:9", f"{alertmanager}/not-the-api"):
        done = rollback(repo, url)
        assert done.exit_code == 2, done.output
        assert "Traceback" not in done.output
        assert branches(repo) == ["main"]
        assert git(repo, "status", "--porcelain") == ""


# ---------------------------------------------------------------- end to end


def test_end_to_end_from_prometheus_to_the_rollback_commit(
    repo: Path, tmp_path: Path
) -> None:
    """Debian's prometheus evaluates the rendered rules of prod
    fraud-detector (3.3.0, just promoted) over a history where accuracy falls
    under the 90 % floor; the alert reaches Debian's prometheus-alertmanager;
    rollback --from-alerts commits the rollback branch. Then a second run
    changes nothing, and a healthy series asks for nothing."""
    folder = tmp_path / "servers"
    folder.mkdir()
    with rollback_alerts(repo, "prod", "fraud-detector", folder, cause=ACCURACY) as run:
        (alert,) = run.alerts
        assert alert["labels"]["version"] == "3.3.0"
        fired = time.monotonic()
        done = rollback(repo, run.url, "--body", str(tmp_path / "bodies"))
        committed = time.monotonic() - fired
        assert done.exit_code == 0, done.output
        assert branches(repo) == ["main", BRANCH]
        subject = git(repo, "log", "-1", "--format=%s", BRANCH)
        assert subject == "revert(prod): roll back fraud-detector 3.3.0 -> 3.2.0"
        again = rollback(repo, run.url)
        assert again.exit_code == 0, again.output
        assert "a rollback of it is under way" in again.output
        assert branches(repo) == ["main", BRANCH]
    print(f"alert in Alertmanager -> rollback committed: {committed:.2f} s")
    assert committed < 60
    healthy = tmp_path / "healthy"
    healthy.mkdir()
    git(repo, "branch", "-D", BRANCH)
    with rollback_alerts(repo, "prod", "fraud-detector", healthy, cause=HEALTHY) as run:
        assert run.alerts == []
        done = rollback(repo, run.url)
        assert done.exit_code == 0, done.output
        assert "no firing alert asks for a rollback" in done.output
    assert branches(repo) == ["main"]


# ---------------------------------------------------- found by a review


def test_uncommitted_work_is_never_touched(repo: Path, alertmanager: str) -> None:
    spec = repo / SPEC
    spec.write_text(spec.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    scratch = repo / "rendered" / "prod" / "scratch.txt"
    scratch.write_text("mine\n", encoding="utf-8")
    fire(alertmanager)
    done = rollback(repo, alertmanager)
    assert done.exit_code == 1, done.output
    assert "prod/fraud-detector: not rolled back: uncommitted changes" in done.output
    assert spec.read_text(encoding="utf-8").endswith("# mine\n")
    assert scratch.read_text(encoding="utf-8") == "mine\n"
    assert branches(repo) == ["main"]


def test_one_model_that_cannot_go_back_stops_no_other(
    repo: Path, alertmanager: str
) -> None:
    # product-recommender ran one version only: nothing to roll back to
    fire(alertmanager, model="product-recommender", version="2.4.1")
    fire(alertmanager)
    done = rollback(repo, alertmanager, "--body", str(repo.parent / "bodies"))
    assert done.exit_code == 1, done.output
    assert "prod/product-recommender: not rolled back:" in done.output
    assert "nothing to roll back to" in done.output
    assert branches(repo) == ["main", BRANCH]
    assert (repo.parent / "bodies" / "prod" / "fraud-detector.md").is_file()
    assert not (repo.parent / "bodies" / "prod" / "product-recommender.md").exists()
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "branch", "--show-current") == "main"


def test_a_stale_alert_does_not_hide_the_one_about_what_runs(
    repo: Path, alertmanager: str
) -> None:
    fire(alertmanager, version="3.2.0", alertname="Stale")  # from before the promotion
    fire(alertmanager)
    done = rollback(repo, alertmanager)
    assert done.exit_code == 0, done.output
    assert branches(repo) == ["main", BRANCH]


def test_body_must_be_a_folder(repo: Path, alertmanager: str) -> None:
    (repo.parent / "a-file").write_text("x", encoding="utf-8")
    done = rollback(repo, alertmanager, "--body", str(repo.parent / "a-file"))
    assert done.exit_code == 2
    assert "with --from-alerts, a folder" in done.output
