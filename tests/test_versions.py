"""modelrail.versions: SemVer 2.0.0 precedence (``key``, ``lower``).

Proven:

- the precedence examples of the SemVer 2.0.0 specification (section 11),
  in order, each one below every later one; numbers compare as numbers
  (1.9.0 < 1.10.0, alpha.2 < alpha.11), below words (alpha.1 < alpha.beta);
- build metadata is ignored: versions that differ only in it have one key
  and neither is lower;
- what is not a version (no patch, a ``v``, leading zeros, an empty
  pre-release or build, spaces) has no key, and ``lower`` is False either
  way round;
- a Hypothesis property: over generated SemVer versions, ``key`` orders
  exactly as a comparison written here from the text of the specification
  (a total order on precedence: antisymmetric, transitive by construction
  of the sort, and equal keys only for equal precedence).

A bug these tests found stays pinned: ``key("1.0.0\\n")`` was a key, because
``$`` in a Python pattern also matches before a final newline.
"""

from __future__ import annotations

import functools
import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelrail.versions import key, lower

# SemVer 2.0.0, section 11: "Example: 1.0.0-alpha < 1.0.0-alpha.1 <
# 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 <
# 1.0.0-rc.1 < 1.0.0."
SPEC_EXAMPLE = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
]
# section 11: "Example: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1."
NUMBERS = ["0.0.0", "0.0.1", "0.1.0", "1.0.0", "1.9.0", "1.10.0", "2.0.0", "2.1.0",
           "2.1.1", "10.0.0"]  # fmt: skip


@pytest.mark.parametrize("chain", [SPEC_EXAMPLE, NUMBERS], ids=["pre", "numbers"])
def test_the_specification_examples_in_order(chain: list[str]) -> None:
    for i, earlier in enumerate(chain):
        for later in chain[i + 1 :]:
            assert lower(earlier, later), (earlier, later)
            assert not lower(later, earlier), (later, earlier)
        assert not lower(earlier, earlier)
    shuffled = list(reversed(chain))
    assert sorted(shuffled, key=key) == chain  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.9.0", "1.10.0"),  # numbers, not text ("1.9" > "1.1" as text)
        ("1.0.9", "1.0.10"),
        ("9.0.0", "10.0.0"),
        ("1.0.0-alpha.2", "1.0.0-alpha.11"),  # numeric fields as numbers
        ("1.0.0-11", "1.0.0-alpha"),  # a number is below a word
        ("1.0.0-999", "1.0.0-0a"),  # "0a" is a word: digits and a letter
        ("1.0.0-Beta", "1.0.0-alpha"),  # words in ASCII order: B < a
        ("1.0.0-alpha", "1.0.0-alpha.0"),  # more fields, higher precedence
        ("1.0.0-alpha.1", "1.0.0-alpha-1"),  # "alpha" < "alpha-1", one field
        ("1.0.0-x.7.z.92", "1.0.0-x.7.z.93"),
        ("1.0.0-rc.1", "1.0.0"),  # a pre-release is below its release
        ("1.0.0", "1.0.1-alpha"),  # ...but above the previous release
        ("0.9.99", "1.0.0-0"),
    ],
)
def test_precedence(a: str, b: str) -> None:
    assert lower(a, b)
    assert not lower(b, a)
    ka, kb = key(a), key(b)
    assert ka is not None
    assert kb is not None
    assert ka < kb


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0.0+20130313144700", "1.0.0"),
        ("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta"),
        ("1.0.0+21AF26D3----117B344092BD", "1.0.0+build.1"),
    ],
)
def test_build_metadata_is_ignored(a: str, b: str) -> None:
    assert key(a) is not None
    assert key(a) == key(b)
    assert not lower(a, b)
    assert not lower(b, a)


def test_the_key_itself() -> None:
    """The shape callers may sort by: release above its pre-releases."""
    assert key("1.2.3") == (1, 2, 3, 1, ())
    assert key("1.2.3-rc.4") == (1, 2, 3, 0, ((1, 0, "rc"), (0, 4, "")))
    assert key("12345678901234567890.0.0") == (12345678901234567890, 0, 0, 1, ())


NOT_VERSIONS = [
    "",
    "1",
    "1.0",
    "1.0.0.0",
    "v1.0.0",
    "01.0.0",
    "1.01.0",
    "1.0.01",
    "1.0.0-",
    "1.0.0+",
    "1.0.0-alpha+",
    "1.0.0-al pha",
    "1.0.0-alpha_1",
    "1.0.0+build!",
    " 1.0.0",
    "1.0.0 ",
    "-1.0.0",
    "1.-1.0",
    "latest",
    "1.0.0-\u03b1",  # a Greek alpha
    "\u0661.\u0660.\u0660",  # Arabic-Indic digits: \d takes them, SemVer not
]


@pytest.mark.parametrize("text", NOT_VERSIONS)
def test_what_is_not_a_version(text: str) -> None:
    assert key(text) is None
    for other in ("0.0.0", "1.0.0", "99.0.0"):
        assert not lower(text, other)
        assert not lower(other, text)


@pytest.mark.parametrize("text", ["1.0.0\n", "1.0.0-rc.1\n", "1.0.0+b\n"])
def test_a_final_newline_is_not_a_version(text: str) -> None:
    assert key(text) is None


# --- a property: key against the specification's comparison ---------------------


def spec_compare(a: str, b: str) -> int:
    """SemVer 2.0.0, section 11, as written: -1, 0 or 1 (build ignored)."""
    a, b = a.split("+", 1)[0], b.split("+", 1)[0]
    a_core, _, a_pre = a.partition("-")
    b_core, _, b_pre = b.partition("-")
    # 11.2: major, minor, patch compared numerically
    for x, y in zip(a_core.split("."), b_core.split("."), strict=True):
        if int(x) != int(y):
            return -1 if int(x) < int(y) else 1
    # 11.3: a pre-release version has lower precedence than a normal version
    if not a_pre or not b_pre:
        return (not a_pre) - (not b_pre)
    # 11.4: identifiers left to right
    a_ids, b_ids = a_pre.split("."), b_pre.split(".")
    for x, y in zip(a_ids, b_ids, strict=False):
        x_num, y_num = x.isascii() and x.isdigit(), y.isascii() and y.isdigit()
        if x_num and y_num:  # 11.4.1: numerically
            if int(x) != int(y):
                return -1 if int(x) < int(y) else 1
        elif x_num != y_num:  # 11.4.3: numeric identifiers are lower
            return -1 if x_num else 1
        elif x != y:  # 11.4.2: lexically in ASCII sort order
            return -1 if x < y else 1
    # 11.4.4: a larger set of fields has higher precedence
    return (len(a_ids) > len(b_ids)) - (len(a_ids) < len(b_ids))


# The grammar of SemVer 2.0.0 (its Backus-Naur form), ASCII only
NUMERIC = st.one_of(
    st.just("0"), st.integers(1, 10**12).map(str), st.sampled_from(["1", "2", "11"])
)
ALNUM = st.text(alphabet="0123456789abcxyzABZ-", min_size=1, max_size=6).filter(
    lambda s: not s.isdigit()
)  # at least one letter or hyphen
PRE_ID = st.one_of(NUMERIC, ALNUM, st.sampled_from(["alpha", "beta", "rc", "x"]))
BUILD_ID = st.text(alphabet="0123456789abcXYZ-", min_size=1, max_size=6)
VERSIONS = st.builds(
    lambda core, pre, build: (
        ".".join(core)
        + (f"-{'.'.join(pre)}" if pre else "")
        + (f"+{'.'.join(build)}" if build else "")
    ),
    st.tuples(NUMERIC, NUMERIC, NUMERIC),
    st.lists(PRE_ID, max_size=4),
    st.lists(BUILD_ID, max_size=2),
)
# the specification's own regular expression (semver.org), ASCII digits only
OFFICIAL = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)


def sign(n: int) -> int:
    return (n > 0) - (n < 0)


@given(VERSIONS, VERSIONS)
def test_key_orders_as_the_specification(a: str, b: str) -> None:
    assert OFFICIAL.fullmatch(a), a  # the strategy makes only valid versions
    ka, kb = key(a), key(b)
    assert ka is not None
    assert kb is not None
    assert sign((ka > kb) - (ka < kb)) == spec_compare(a, b)
    assert lower(a, b) == (spec_compare(a, b) < 0)


@given(st.lists(VERSIONS, min_size=2, max_size=12))
def test_sorting_by_key_is_sorting_by_precedence(versions: list[str]) -> None:
    by_key = sorted(versions, key=key)  # type: ignore[arg-type]
    by_spec = sorted(versions, key=functools.cmp_to_key(spec_compare))
    # both sorts are stable: equal precedence keeps the input's order
    assert by_key == by_spec
    for earlier, later in itertools.pairwise(by_key):
        assert not lower(later, earlier)


@given(st.text(alphabet="0123456789.-+abAZ ", max_size=14))
def test_a_key_only_for_what_the_schema_calls_a_version(text: str) -> None:
    """Every valid SemVer has a key; anything with a key is valid SemVer, or
    one of the pre-releases the schema's pattern also admits (an empty or
    zero-led numeric field): the schema and ``key`` agree on those."""
    if OFFICIAL.fullmatch(text):
        assert key(text) is not None
    if key(text) is not None:
        release, _, build = text.partition("+")
        pre = release.partition("-")[2].split(".")
        assert (
            OFFICIAL.fullmatch(text)
            or any(
                not f or (f.isdigit() and f.startswith("0") and f != "0") for f in pre
            )
            or "" in build.split(".")
        ), text
