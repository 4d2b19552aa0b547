"""The template environment: only serialised values get out, the sandbox
holds, undefined names fail, and templates stay in their folder.

Each test writes small templates into a folder of its own and renders them
with the real :class:`Templates` (the renderer's environment)."""

from __future__ import annotations

import copy
import shutil
from typing import TYPE_CHECKING, Any

import pytest

from modelrail.render.templating import TemplateFailure, Templates
from modelrail.render.yamlout import block, flow
from testing.repo import ROOT

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "SECRET-7f3a"  # the text of a file outside the templates folder


def values() -> dict[str, Any]:
    return {
        "value": "x: y",
        "number": 7,
        "mapping": {"a": 1, "b": [1, 2]},
        "items": ["a", "b"],
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "outside.j2").write_text(f"stolen: {SECRET}\n", encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.j2").write_text(f"stolen: {SECRET}\n")
    target = tmp_path / "templates"
    target.mkdir()
    return target


def render(folder: Path, text: str, data: dict[str, Any] | None = None) -> str:
    (folder / "t.yaml.j2").write_text(text, encoding="utf-8")
    return Templates(folder, "tpl").render("t.yaml.j2", data or values())


def failure(folder: Path, text: str, data: dict[str, Any] | None = None) -> Any:
    with pytest.raises(TemplateFailure) as info:
        render(folder, text, data)
    return info.value


# ---------------------------------------------------------------- finalize


def test_serialised_values_render(folder: Path) -> None:
    text = render(
        folder,
        "a: {{ value | yaml }}\nb: {{ number | yaml }}\nc:\n  {{ mapping | yaml_block(2) }}\n",
    )
    assert text == (
        f"a: {flow('x: y')}\nb: 7\nc:\n  {block({'a': 1, 'b': [1, 2]}, 2)}\n"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "{{ value }}",
        "{{ number }}",
        "{{ mapping }}",
        "{{ 'literal' }}",
        "{{ 42 }}",
        "{{ none }}",
        "{{ value | string }}",
        "{{ value | e }}",
        # post-processing what the filter made loses its mark: it is not
        # the serialised node any more
        "{{ value | yaml | upper }}",
        "{{ value | yaml | replace('\"', '') }}",
        "{{ value | yaml | trim }}",
        "{{ value | yaml | safe }}",
        "{{ value | yaml ~ '' }}",
        "{{ '' ~ value | yaml }}",
        "{{ [value | yaml] | join }}",
        # text a block captured is text, not a serialised value
        "{% set x %}{{ value | yaml }}{% endset %}{{ x }}",
        "{% macro m(v) %}{{ v | yaml }}{% endmacro %}{{ m(value) }}",
    ],
)
def test_a_value_printed_without_the_filter_fails_at_its_line(
    folder: Path, expression: str
) -> None:
    error = failure(folder, f"a: 1\nb: 2\nc: {expression}\nd: 4\n")
    assert error.template == "tpl/t.yaml.j2"
    assert error.line == 3
    assert "without a serialising filter" in error.message
    assert str(error).startswith("tpl/t.yaml.j2:3: ")


def test_a_raw_value_in_an_included_template_names_that_template(
    folder: Path,
) -> None:
    (folder / "_part.j2").write_text("p: 1\nq: {{ value }}\n")
    error = failure(folder, 'a: 1\n{% include "_part.j2" %}\n')
    assert (error.template, error.line) == ("tpl/_part.j2", 2)


def test_a_syntax_error_in_an_included_template_names_that_template(
    folder: Path,
) -> None:
    (folder / "_part.j2").write_text("p: 1\nq: 2\nr: {{ value | yaml\n")
    error = failure(folder, 'a: 1\n{% include "_part.j2" %}\n')
    assert (error.template, error.line) == ("tpl/_part.j2", 3)


# ---------------------------------------------------------------- sandbox


@pytest.mark.parametrize(
    "expression",
    [
        "''.__class__.__mro__ | yaml",
        "''.__class__.__mro__[1].__subclasses__() | yaml",
        "value.__class__ | yaml",
        "value.__class__",
        "value | attr('__class__') | yaml",
        "mapping.__class__.__init__.__globals__ | yaml",
        "cycler.__init__.__globals__ | yaml",
        "joiner.__init__.__globals__ | yaml",
        "namespace.__init__.__globals__ | yaml",
        "lipsum.__globals__ | yaml",
        "lipsum.__globals__['os'] | yaml",
        "self.__init__.__globals__ | yaml",
        "range.__globals__ | yaml",
        "'{0.__class__}'.format(value) | yaml",
        "'{x.__class__.__base__}'.format_map({'x': value}) | yaml",
        "value.__len__() | yaml",
        "mapping.__getitem__ | yaml",
    ],
)
def test_the_sandbox_blocks_escapes(folder: Path, expression: str) -> None:
    error = failure(folder, f"a: 1\nb: {{{{ {expression} }}}}\n")
    assert error.line == 2
    assert "unsafe" in error.message


@pytest.mark.parametrize(
    "statement",
    [
        "{% set _ = mapping.pop('a') %}",
        "{% set _ = mapping.update({'c': 3}) %}",
        "{% set _ = mapping.setdefault('c', 3) %}",
        "{% set _ = mapping.clear() %}",
        "{% set _ = mapping.__setitem__('a', 2) %}",
        "{% set _ = mapping.b.append(3) %}",
        "{% set _ = items.append('c') %}",
        "{% set _ = items.extend(['c']) %}",
        "{% set _ = items.insert(0, 'c') %}",
        "{% set _ = items.remove('a') %}",
        "{% set _ = items.sort(reverse=true) %}",
        "{% set _ = items.reverse() %}",
        "{% set _ = items.pop() %}",
    ],
)
def test_templates_cannot_change_the_values_they_are_given(
    folder: Path, statement: str
) -> None:
    data = values()
    before = copy.deepcopy(data)
    error = failure(folder, f"a: 1\n{statement}b: 2\n", data)
    assert error.line == 2
    assert "unsafe" in error.message
    assert data == before


@pytest.mark.parametrize(
    "statement", ["{% set mapping.a = 2 %}", "{% set value.x = 2 %}"]
)
def test_templates_cannot_assign_attributes(folder: Path, statement: str) -> None:
    data = values()
    before = copy.deepcopy(data)
    error = failure(folder, f"a: 1\n{statement}b: 2\n", data)
    assert "cannot assign attribute" in error.message
    assert data == before


def test_huge_ranges_are_refused(folder: Path) -> None:
    error = failure(folder, "a: {{ range(10**9) | list | length | yaml }}\n")
    assert "Range too big" in error.message


# ---------------------------------------------------------------- undefined


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2\nc: 3\nd: {{ valeu | yaml }}\n", 4, "'valeu' is undefined"),
        ("a: 1\nb: {{ valeu | yaml_block(2) }}\n", 2, "'valeu' is undefined"),
        ("a: 1\nb: {{ mapping.c | yaml }}\n", 2, "has no attribute 'c'"),
        ("a: 1\nb: {{ mapping['c'] | yaml }}\n", 2, "has no attribute 'c'"),
        ("a: 1\nb: {{ items[5] | yaml }}\n", 2, "has no element 5"),
        ("a: 1\n{% if valeu %}\nb: 2\n{% endif %}\n", 2, "'valeu' is undefined"),
        ("a: 1\nb: 2\n{% for x in itemz %}\n{% endfor %}\n", 3, "'itemz' is undefined"),
        ("a: {{ (valeu ~ 'x') | yaml }}\n", 1, "'valeu' is undefined"),
    ],
)
def test_an_undefined_name_fails_naming_it_and_its_line(
    folder: Path, text: str, line: int, message: str
) -> None:
    error = failure(folder, text)
    assert error.line == line
    assert error.message.startswith("undefined value: ")
    assert message in error.message


def test_a_misspelt_value_in_a_real_template_names_file_and_line(
    tmp_path: Path,
) -> None:
    """The bundled templates, one misspelt name in the metadata every model
    resource includes: the failure names _metadata.j2 and its line."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "render" / "templates", folder)
    path = folder / "_metadata.j2"
    lines = path.read_text().splitlines(keepends=True)
    number = next(n for n, s in enumerate(lines, 1) if "namespace | yaml" in s)
    lines[number - 1] = lines[number - 1].replace("namespace |", "namespaec |")
    path.write_text("".join(lines))
    templates = Templates(folder, "render/templates")
    data = {"resource_name": "m", "namespace": "ns", "labels": {"a": "b"},
            "wave": "0", "annotations": {"c": "d"}, "names": {"account": "m"}}  # fmt: skip
    with pytest.raises(TemplateFailure) as info:
        templates.render("serviceaccount.yaml.j2", data)
    assert (info.value.template, info.value.line) == (
        "render/templates/_metadata.j2",
        number,
    )
    assert "'namespaec' is undefined" in info.value.message


# ---------------------------------------------------------------- the folder


@pytest.mark.parametrize(
    "statement",
    [
        '{% include "../outside.j2" %}',
        '{% include "sub/../../outside.j2" %}',
        '{% include "./../outside.j2" %}',
        '{% include "../outside/x.j2" %}',
        '{% include "{ABSOLUTE}" %}',
        '{% include "link.j2" %}',  # a symbolic link to ../outside.j2
        '{% include "linked/x.j2" %}',  # through a linked folder
        '{% include ["../outside.j2", "link.j2"] %}',
        '{% import "../outside.j2" as x %}',
        '{% from "link.j2" import y %}',
        '{% extends "../outside.j2" %}',
        '{% extends "link.j2" %}',
    ],
)
def test_templates_cannot_leave_their_folder(folder: Path, statement: str) -> None:
    outside = folder.parent / "outside.j2"
    (folder / "link.j2").symlink_to(outside)
    (folder / "linked").symlink_to(folder.parent / "outside", target_is_directory=True)
    (folder / "sub").mkdir()
    text = "a: 1\n" + statement.replace("{ABSOLUTE}", str(outside)) + "\nb: 2\n"
    error = failure(folder, text)
    assert error.line == 2
    assert "not found" in error.message
    assert SECRET not in str(error)


def test_a_template_that_is_a_link_out_of_the_folder_is_not_rendered(
    folder: Path,
) -> None:
    (folder / "evil.yaml.j2").symlink_to(folder.parent / "outside.j2")
    templates = Templates(folder, "tpl")
    with pytest.raises(TemplateFailure, match="template not found"):
        templates.render("evil.yaml.j2", values())


def test_includes_inside_the_folder_work(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "_part.j2").write_text("p: {{ number | yaml }}\n")
    (folder / "alias.j2").symlink_to(folder / "sub" / "_part.j2")  # stays inside
    text = render(
        folder, 'a: 1\n{% include "sub/_part.j2" %}\n{% include "alias.j2" %}\n'
    )
    assert text == "a: 1\np: 7\np: 7\n"


def test_a_missing_template_fails(folder: Path) -> None:
    templates = Templates(folder, "tpl")
    assert not templates.exists("nope.yaml.j2")
    with pytest.raises(TemplateFailure) as info:
        templates.render("nope.yaml.j2", values())
    assert (info.value.template, info.value.line) == ("tpl/nope.yaml.j2", 0)
