"""The template checker: shipped templates pass, code and bombs are refused,
and rendering runs in a child that a heavy template cannot take down."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from vcsurvey import documents, forms, summary, template_check
from vcsurvey.consolidate import consolidate
from vcsurvey.render import RenderError, render_odt
from vcsurvey.template_check import SCHEMAS, TemplateRejected, check_template

try:  # helpers and fixtures live with their modules' tests
    from tests.test_consolidate import make_round
    from tests.test_render import _field, _link, make_odt
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from test_consolidate import make_round
    from test_render import _field, _link, make_odt

TEMPLATES = Path(__file__).resolve().parent.parent / (
    "hg_videoconf_survey/report/templates"
)
DISPATCH = {
    "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "notation": "STTTT-CNTT",
    "number": 5,
    "date": "2017-12-20",
    "subject": "báo cáo công tác quản lý",
    "recipients": ["UBND các huyện, thành phố"],
    "signer": {"title": "GIÁM ĐỐC", "name": "Nguyễn Văn Tuệ"},
    "year": 2017,
    "deadline": "2018-01-10",
    "forms": ["district", "center"],
}


@pytest.mark.parametrize("kind", ["dispatch", "form", "summary"])
def test_every_shipped_template_passes(kind: str) -> None:
    """The shipped templates use only the names their type documents."""
    raw = (TEMPLATES / f"{kind}.odt").read_bytes()
    directives = check_template(raw, kind)
    assert len(directives) > 10


def _dispatch_data() -> dict:
    return documents.dispatch_data(DISPATCH)


def _form_data() -> list[dict]:
    rnd = make_round()
    meta = documents.attached_form_meta(_dispatch_data())
    out = []
    for sub in rnd["submissions"]:
        form = forms.get_form(sub["form_type"])
        out.append(documents.form_data(form, sub["answers"], meta))
        out.append(documents.form_data(form, None, meta))
    return out


def _summary_data() -> dict:
    rnd = make_round()
    return summary.summary_template_data(consolidate(rnd), {"number": 7})


def test_schemas_document_what_the_builders_provide() -> None:
    """Every name the data builders hand over is in its type's schema, and
    every top-level name of a schema is provided."""
    cases = [("dispatch", _dispatch_data())]
    cases += [("form", data) for data in _form_data()]
    cases.append(("summary", _summary_data()))
    for kind, data in cases:
        shape = template_check.shape_of(data)
        assert template_check.fits(shape, SCHEMAS[kind]) == [], kind
        assert set(SCHEMAS[kind]) == set(data), kind


@pytest.mark.parametrize(
    ("body", "rule", "named"),
    [
        (_field("__import__('os').system('id')"), "expression", "__import__"),
        (_field("subject.__class__"), "expression", "__class__"),
        (_field("subject.upper()"), "expression", "subject.upper()"),
        (_field("secret"), "name", "secret"),
        (_field("signer_name.real"), "name", "signer_name.real"),
        (_link('function="format_date(date)"'), "instruction", "function"),
        (_link('content="open(1)"'), "instruction", "content"),
        (_link('if="body[0]"') + _link("/if"), "expression", "body[0]"),
        (_link('if="subject or open"') + _link("/if"), "name", "open"),
        (
            _link('for="x in [().__class__]"') + _link("/for"),
            "expression",
            "__class__",
        ),
        (_link('for="x in subject"') + _link("/for"), "name", "subject"),
        (_link('for="x in body"') + _field("x.y.z") + _link("/for"), "name", "x.y"),
        ("<text:p>${__import__('os').getpid()}</text:p>", "markup", "${"),
        ("<text:p>$subject</text:p>", "markup", "$subject"),
        (
            '<text:p xmlns:py="http://genshi.edgewall.org/" '
            'py:content="open(1)">x</text:p>',
            "markup",
            "genshi",
        ),
        ("<?python import os ?><text:p>x</text:p>", "markup", "python"),
        (
            '<text:section text:name="s"><text:section-source '
            'xlink:href="file:///etc/passwd"/></text:section>',
            "markup",
            "/etc/passwd",
        ),
        (_link('if="subject"'), "structure", ""),
    ],
)
def test_directives_outside_the_grammar_are_refused(
    body: str, rule: str, named: str
) -> None:
    """Anything but documented dotted names, for and simple if is refused,
    and the message names the directive."""
    with pytest.raises(TemplateRejected) as info:
        check_template(make_odt(body), "dispatch")
    assert info.value.rule == rule
    assert named.lower() in str(info.value).lower()


def test_allowed_grammar() -> None:
    """Loops over documented lists, conditions on names and constants."""
    body = (
        _link('for="line in recipient_lines"')
        + f"<text:p>{_field('line')}</text:p>"
        + _link("/for")
        + _link("if=\"signer_position and number != 0 or not date == ''\"")
        + f"<text:p>{_field('signer_position')}</text:p>"
        + _link("/if")
        + "<text:p>Giá: 5$ hoặc $$10</text:p>"
    )
    assert len(check_template(make_odt(body), "dispatch")) == 6


def test_unknown_document_type_is_refused() -> None:
    with pytest.raises(TemplateRejected):
        check_template(make_odt(""), "invoice")


def test_entities_are_refused() -> None:
    """A DTD (billion laughs, external entities) never reaches a parser."""
    content = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<x>&e;</x>"
    )
    with pytest.raises(TemplateRejected) as info:
        check_template(make_odt("", {"content.xml": content}), "dispatch")
    assert info.value.rule == "xml"


def test_macros_are_refused() -> None:
    odt = make_odt("", {"Basic/Standard/Module1.xml": "<x/>"})
    with pytest.raises(TemplateRejected, match="macros"):
        check_template(odt, "dispatch")


# ---------------------------------------------------------------- bombs ---
def test_zero_bomb_is_refused_before_it_is_unpacked(monkeypatch) -> None:
    """A highly compressed member is refused by ratio, reading stops early."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        with archive.open("Pictures/zero.bin", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(40):
                member.write(chunk)
    raw = buffer.getvalue()
    assert len(raw) < 100_000
    with pytest.raises(TemplateRejected, match="compressed more than") as info:
        check_template(raw, "dispatch")
    assert info.value.rule == "archive"
    monkeypatch.setattr(template_check, "MAX_TOTAL_SIZE", 10 * 1024 * 1024)
    with pytest.raises(TemplateRejected, match="unpacks to more than"):
        check_template(raw, "dispatch")


def test_too_many_members_are_refused() -> None:
    parts = {f"Pictures/{n}.png": "x" for n in range(template_check.MAX_MEMBERS)}
    with pytest.raises(TemplateRejected, match="members"):
        check_template(make_odt("", parts), "dispatch")


def test_deep_xml_is_refused() -> None:
    """Deep nesting (a stack-overflow bomb) is refused by the streaming parse."""
    depth = template_check.MAX_DEPTH + 10
    body = "<text:span>" * depth + "x" + "</text:span>" * depth
    with pytest.raises(TemplateRejected, match="nested deeper"):
        check_template(make_odt(f"<text:p>{body}</text:p>"), "dispatch")


def test_many_paragraphs_are_refused() -> None:
    """Two million paragraphs compress to little: refused by element count."""
    body = "<text:p/>" * (template_check.MAX_ELEMENTS + 1)
    odt = make_odt(body)
    with pytest.raises(TemplateRejected, match="elements"):
        check_template(odt, "dispatch")


# ------------------------------------------------------- rendering child ---
def test_render_refuses_code_whoever_calls_it() -> None:
    """render_odt checks too: a template with code never reaches py3o."""
    odt = make_odt(_field("__import__('os').getpid()"))
    with pytest.raises(RenderError, match="refused.*__import__"):
        render_odt(odt, {}, name="evil.odt")


def test_render_over_its_time_limit_is_stopped(monkeypatch) -> None:
    """A fill over the time limit kills the child, not the caller."""
    monkeypatch.setenv("VCSURVEY_RENDER_TIMEOUT", "0.01")
    body = _link('for="x in xs"') + f"<text:p>{_field('x')}</text:p>" + _link("/for")
    with pytest.raises(RenderError, match="stopped"):
        render_odt(make_odt(body), {"xs": list(range(200_000))}, name="slow.odt")


def test_render_over_its_memory_limit_is_stopped(monkeypatch) -> None:
    """A fill over the memory limit ends the child with a clear error."""
    monkeypatch.setenv("VCSURVEY_RENDER_MEMORY_MB", "120")
    body = _link('for="x in xs"') + f"<text:p>{_field('x')}</text:p>" + _link("/for")
    with pytest.raises(RenderError, match="memory|stopped"):
        render_odt(make_odt(body), {"xs": ["x" * 1000] * 300_000}, name="fat.odt")


def test_data_with_characters_xml_cannot_carry_still_renders() -> None:
    """Defence in depth: the renderer drops what XML 1.0 cannot carry."""
    odt = make_odt(f"<text:p>{_field('name')}</text:p>")
    out = render_odt(odt, {"name": "A\x0bB\ufffeC\ud800D"})
    with zipfile.ZipFile(io.BytesIO(out)) as archive:
        assert "ABCD" in archive.read("content.xml").decode()


def test_shipped_templates_still_render() -> None:
    """The real dispatch renders through the checker and the child."""
    odt = documents.render_dispatch_odt(DISPATCH)
    assert odt.startswith(b"PK")
