"""The policy engine: loading modules, their shape, crashes, locations."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from modelrail.cli import main
from modelrail.policy.engine import PolicyLoadError, load_policies
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

GOOD = '''\
"""Title of the policy.

Why it matters.

Fails::

    spec: {serving: {port: 9999}}

Passes::

    spec: {serving: {port: 8080}}
"""

from modelrail.findings import Severity
from modelrail.policy import Hit

ID = "{id}"
NAME = "{name}"
SEVERITY = Severity.ERROR
REMEDIATION = "Do the right thing."


def check(spec, env, ctx):
    {body}
'''


def write(folder: Path, category: str, stem: str, text: str) -> Path:
    path = folder / category / f"{stem}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def good(
    policy_id: str = "MR-TST-001", name: str = "a-test", body: str = "return []"
) -> str:
    return (
        GOOD.replace("{id}", policy_id).replace("{name}", name).replace("{body}", body)
    )


def test_loads_in_id_order_with_metadata(tmp_path: Path) -> None:
    write(tmp_path, "tst", "tst_002_b", good("MR-TST-002", "b"))
    write(tmp_path, "tst", "tst_001_a", good("MR-TST-001", "a"))
    write(tmp_path, "tst", "_helpers", "X = 1\n")  # not a policy
    registry = load_policies(tmp_path, tmp_path)
    assert [p.id for p in registry] == ["MR-TST-001", "MR-TST-002"]
    policy = registry.get("mr-tst-001")
    assert policy.title == "Title of the policy."
    assert policy.rationale == "Why it matters."
    assert policy.fails == ("spec: {serving: {port: 9999}}\n",)
    assert policy.passes == ("spec: {serving: {port: 8080}}\n",)
    assert policy.category == "tst"
    assert policy.path == "tst/tst_001_a.py"
    assert registry.get("b").id == "MR-TST-002"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (good().replace('ID = "MR-TST-001"', ""), "ID must be a string"),
        (good("MR-TST-1"), "ID 'MR-TST-1' does not look like MR-<CATEGORY>-<NNN>"),
        (good(name="Not_Kebab"), "NAME 'Not_Kebab' is not kebab-case"),
        (good().replace("Severity.ERROR", '"error"'), "SEVERITY must be a"),
        (good().replace('"Do the right thing."', "None"), "REMEDIATION must be"),
        (good().replace('"Do the right thing."', '"  "'), "REMEDIATION is empty"),
        (good().replace("def check(", "def chek("), "has no check(spec, env, ctx)"),
        (good().replace('"""Title', '"""Title without a full stop\n\nx', 1), "title"),
        (good().replace("Passes::", "Passes:"), "needs a 'Passes::' snippet"),
        (good().split('"""', 2)[2], "has no docstring"),
        (good() + "\nTYPES = ('chatbot', 'llm')\n", "TYPES must name some of"),
        (good() + "\nWAIVABLE = 'no'\n", "WAIVABLE must be True or False"),
        (good() + "\nTYPES = 5\n", "TYPES must name some of"),
        (good("MR-CONFIG-001"), "uses MR-CONFIG, which modelrail reserves"),
        (
            good() + "\nimport dataclasses\n@dataclasses.dataclass(frozen=True)\n"
            "class Options:\n    x: int = 1\n    def __post_init__(self) -> None:\n"
            "        raise ValueError('no')\n",
            "Options() raised ValueError: no",
        ),
        (
            good() + "\nclass Options:\n    x = 1\n",
            "Options must be a frozen dataclass",
        ),
        (
            good() + "\nimport dataclasses\n@dataclasses.dataclass(frozen=True)\n"
            "class Options:\n    x: int\n",
            "every field of Options needs a default",
        ),
        (
            good() + "\nraise RuntimeError('boom')\n",
            "importing it raised RuntimeError: boom",
        ),
        (
            good().replace('"Do the right thing."', '"Keep it under $limit."'),
            "REMEDIATION names $limit, which is not an option",
        ),
        (
            good().replace('"""Title of the policy.', '"""Title costs $5.', 1),
            "the title has a '$' that is not $option",
        ),
    ],
)
def test_bad_module_is_a_load_error_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path, "tst", "tst_001_a", text)
    with pytest.raises(PolicyLoadError) as caught:
        load_policies(tmp_path, tmp_path)
    assert str(caught.value).startswith("tst/tst_001_a.py")
    assert message in str(caught.value)


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "tst", "tst_001_a", good() + "\ndef broken(:\n")
    with pytest.raises(
        PolicyLoadError, match=r"^tst/tst_001_a\.py:\d+:\d+: syntax error"
    ):
        load_policies(tmp_path, tmp_path)


def test_duplicate_id_and_mixed_prefixes(tmp_path: Path) -> None:
    write(tmp_path, "tst", "tst_001_a", good("MR-TST-001", "a"))
    write(tmp_path, "tst", "tst_002_b", good("MR-TST-001", "b"))
    with pytest.raises(PolicyLoadError, match=r"already used by tst/tst_001_a\.py"):
        load_policies(tmp_path, tmp_path)
    (tmp_path / "tst" / "tst_002_b.py").unlink()
    write(tmp_path, "other", "oth_001", good("MR-TST-009", "c"))
    with pytest.raises(PolicyLoadError, match="prefix MR-TST belongs to policies/"):
        load_policies(tmp_path, tmp_path)


def test_duplicate_name(tmp_path: Path) -> None:
    write(tmp_path, "tst", "tst_001_a", good("MR-TST-001", "same"))
    write(tmp_path, "tst", "tst_002_b", good("MR-TST-002", "same"))
    with pytest.raises(
        PolicyLoadError, match="NAME 'same' is already the name of MR-TST-001"
    ):
        load_policies(tmp_path, tmp_path)


def test_missing_folder_means_no_policies(tmp_path: Path) -> None:
    assert len(load_policies(tmp_path / "nothing")) == 0


def test_bad_policy_module_exits_2_naming_it(repo: Path) -> None:
    write(
        repo / "policies",
        "security",
        "sec_999_broken",
        good("MR-SEC-999", "broken").replace("Severity.ERROR", "3"),
    )
    result = CliRunner().invoke(main, ["check", "--root", str(repo)])
    assert result.exit_code == 2
    assert "policies/security/sec_999_broken.py: SEVERITY must be" in result.output
    assert "Traceback" not in result.output


def test_crash_is_exit_3_naming_policy_and_spec_and_keeps_other_findings(
    repo: Path,
) -> None:
    write(
        repo / "policies", "security", "sec_999_crash",
        good("MR-SEC-999", "crash", 'return [spec.serving["nope"]]'),
    )  # fmt: skip
    spec = repo / "environments/prod/fraud-detector.yaml"
    digest = "48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0"
    replace_once(spec, f"fraud-detector@sha256:{digest}", "fraud-detector:3.2.0")
    result = CliRunner().invoke(main, ["check", "--root", str(repo)])
    assert result.exit_code == 3, result.output
    assert (
        "internal error: policy MR-SEC-999 crashed on environments/prod/fraud-detector.yaml: KeyError: 'nope'"
        in result.output
    )
    assert "[MR-SEC-004]" in result.output  # the other findings are still there
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(main, ["--debug", "check", "--root", str(repo)])
    assert debug.exit_code == 3
    assert "Traceback" in debug.output


def test_hit_that_is_not_a_hit_is_a_crash(repo: Path) -> None:
    write(
        repo / "policies", "security", "sec_999_bad",
        good("MR-SEC-999", "bad", 'return [("/spec", "tuple, not Hit")]'),
    )  # fmt: skip
    result = CliRunner().invoke(main, ["check", "--root", str(repo), "-e", "dev"])
    assert result.exit_code == 3
    assert "not Hit(pointer, message)" in result.output


def test_missing_field_is_located_at_its_parent(repo: Path) -> None:
    spec = repo / "environments/prod/fraud-detector.yaml"
    replace_once(
        spec,
        "    runbook: https://runbooks.example.com/ml/fraud-detector/rollback\n",
        "",
    )
    result = CliRunner().invoke(main, ["check", "--root", str(repo), str(spec)])
    assert result.exit_code == 1
    line = line_of(spec, "  rollback:")
    # at the key of the section the field belongs in, as schema findings are
    assert (
        f"environments/prod/fraud-detector.yaml:{line}:3: error [MR-RBK-005]"
        in result.output
    )


def test_type_specific_policies_skip_other_types(repo: Path) -> None:
    spec = repo / "environments/prod/fraud-detector.yaml"
    text = spec.read_text()
    spec.write_text(
        text.replace(
            "  compliance:\n", "  chatbot: {maxOutputTokens: 10}\n  compliance:\n"
        )
    )
    result = CliRunner().invoke(main, ["check", "--root", str(repo), str(spec)])
    assert "MR-CHAT-" not in result.output


OPTIONED = (
    good()
    .replace('"""Title of the policy.', '"""At least $minimum replicas.', 1)
    .replace('"Do the right thing."', '"Raise it to $minimum (a $$ sign)."')
    + "\nimport dataclasses\n@dataclasses.dataclass(frozen=True)\n"
    "class Options:\n    minimum: int = 2\n"
)


def test_title_and_remediation_are_worded_from_the_options(tmp_path: Path) -> None:
    from modelrail.policy.engine import with_options

    write(tmp_path, "tst", "tst_001_a", OPTIONED)
    policy = load_policies(tmp_path, tmp_path).get("MR-TST-001")
    assert policy.title == "At least 2 replicas."
    assert policy.remediation == "Raise it to 2 (a $ sign)."
    raised = with_options(policy, {"minimum": 5})
    assert policy.title_with(raised) == "At least 5 replicas."
    assert policy.remediation_with(raised) == "Raise it to 5 (a $ sign)."
