"""Tests of vcsurvey.render (and the template lookup of vcsurvey.templates)."""

from __future__ import annotations

import importlib.util
import io
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from soffice_support import needs_soffice

from vcsurvey import render, templates
from vcsurvey.render import RenderError, convert, convert_one, render_odt

ROOT = Path(__file__).resolve().parent.parent
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
    xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">
  <office:body><office:text>{body}</office:text></office:body>
</office:document-content>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles
    xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    office:version="1.3"/>"""
_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest
    xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    manifest:version="1.3">
  <manifest:file-entry manifest:full-path="/" manifest:version="1.3"
      manifest:media-type="application/vnd.oasis.opendocument.text"/>
  <manifest:file-entry manifest:full-path="content.xml"
      manifest:media-type="text/xml"/>
  <manifest:file-entry manifest:full-path="styles.xml"
      manifest:media-type="text/xml"/>
</manifest:manifest>"""


def _field(expr: str) -> str:
    return f'<text:user-field-get text:name="py3o.{expr}">{expr}</text:user-field-get>'


def _link(instruction: str) -> str:
    href = "py3o://" + instruction.replace('"', "%22").replace(" ", "%20")
    text = instruction.replace("&", "&amp;").replace("<", "&lt;")
    link = f'<text:a xlink:type="simple" xlink:href="{href}">{text}</text:a>'
    return f"<text:p>{link}</text:p>"


def make_odt(body: str, parts: dict[str, str] | None = None) -> bytes:
    """A minimal ODT whose body is ``body`` (ODF XML)."""
    files = {
        "content.xml": _CONTENT.format(body=body),
        "styles.xml": _STYLES,
        "META-INF/manifest.xml": _MANIFEST,
    }
    files.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )
        for name, text in files.items():
            if text is not None:
                archive.writestr(name, text)
    return buffer.getvalue()


def paragraphs(odt: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(odt)) as archive:
        tree = etree.fromstring(archive.read("content.xml"))
    return [
        "".join(p.itertext()) for p in tree.iter(f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h")
    ]


GREETING = make_odt(
    f"<text:p>Kính gửi: {_field('name')}</text:p>"
    + _link('for="item in items"')
    + f"<text:p>- {_field('item')}</text:p>"
    + _link("/for")
)


# ------------------------------------------------------------ render_odt ---


def test_render_odt_fills_fields_and_loops_with_vietnamese_text():
    """User fields and a for-loop are filled; diacritics survive."""
    odt = render_odt(GREETING, {"name": "Sở TT&TT", "items": ["Hà Giang", "Vị Xuyên"]})
    assert paragraphs(odt) == ["Kính gửi: Sở TT&TT", "- Hà Giang", "- Vị Xuyên"]


def test_render_odt_escapes_markup_in_values():
    """A value with XML markup is printed as text, the document stays valid."""
    odt = render_odt(GREETING, {"name": "<b>x</b> & y", "items": []})
    assert paragraphs(odt) == ["Kính gửi: <b>x</b> & y"]


def test_render_odt_prints_nothing_for_false_values():
    """escape_false: None/False print as empty, not "None"/"False"."""
    odt = render_odt(GREETING, {"name": None, "items": [False]})
    assert paragraphs(odt) == ["Kính gửi: ", "- "]


def test_render_odt_accepts_a_path(tmp_path):
    """A template may be given by path (str or Path)."""
    path = tmp_path / "greeting.odt"
    path.write_bytes(GREETING)
    for template in (path, str(path)):
        odt = render_odt(template, {"name": "A", "items": []})
        assert paragraphs(odt) == ["Kính gửi: A"]


def test_render_odt_missing_template_names_it(tmp_path):
    """A missing template file: RenderError naming it and saying 'not found'."""
    with pytest.raises(RenderError, match=r"'nothing\.odt' not found"):
        render_odt(tmp_path / "nothing.odt", {})


def test_render_odt_rejects_a_file_that_is_not_a_zip(tmp_path):
    """Random bytes: 'not an ODT document (not a zip archive)'."""
    path = tmp_path / "broken.odt"
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(RenderError) as info:
        render_odt(path, {})
    assert "'broken.odt'" in str(info.value)
    assert "not a zip archive" in str(info.value)


def test_render_odt_rejects_a_zip_without_content_xml():
    """A zip lacking content.xml is named and the missing part said."""
    odt = make_odt("", {"content.xml": None})  # type: ignore[dict-item]
    with pytest.raises(RenderError, match=r"'letter\.odt'.*no content\.xml"):
        render_odt(odt, {}, name="letter.odt")


def test_render_odt_directive_referring_to_absent_data_names_key():
    """A field whose data is absent: RenderError naming template and key."""
    with pytest.raises(RenderError) as info:
        render_odt(GREETING, {"items": []}, name="greeting.odt")
    message = str(info.value)
    assert "'greeting.odt'" in message
    assert "refused" in message and "'name'" in message


def test_render_odt_syntax_error_in_directive():
    """A malformed expression in a directive is reported as a syntax error."""
    odt = make_odt(_link('for="x in in xs"') + "<text:p>x</text:p>" + _link("/for"))
    with pytest.raises(RenderError, match=r"'bad\.odt'.*not a valid expression"):
        render_odt(odt, {"xs": []}, name="bad.odt")


def test_render_odt_unclosed_loop_is_reported():
    """A closing link without an opening one is a bad py3o directive."""
    odt = make_odt(_link("/for"))
    with pytest.raises(RenderError, match=r"'odd\.odt'.*nothing to close"):
        render_odt(odt, {}, name="odd.odt")


def test_render_odt_bytes_template_without_name_is_labelled():
    """Without a name, the message still says which kind of template failed."""
    with pytest.raises(RenderError, match="<template bytes>"):
        render_odt(b"garbage", {})


# ------------------------------------------------------- soffice_binary ---


def test_soffice_binary_honours_the_environment(monkeypatch, tmp_path):
    """$VCSURVEY_SOFFICE names the executable; a bogus one is an error."""
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(render.SOFFICE_ENV, str(fake))
    assert render.soffice_binary() == str(fake)
    monkeypatch.setenv(render.SOFFICE_ENV, str(tmp_path / "missing"))
    with pytest.raises(RenderError, match="VCSURVEY_SOFFICE"):
        render.soffice_binary()


def test_soffice_binary_absent_gives_an_install_hint(monkeypatch):
    """No LibreOffice anywhere: the message says how to install it."""
    monkeypatch.delenv(render.SOFFICE_ENV, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(render, "_SOFFICE_CANDIDATES", ())
    with pytest.raises(RenderError, match="apt-get install libreoffice"):
        render.soffice_binary()


# -------------------------------------------------------------- convert ---


def test_convert_rejects_an_unknown_format():
    """Only pdf, docx and odt are produced."""
    with pytest.raises(RenderError, match="unknown output format 'rtf'"):
        convert({"a": GREETING}, "rtf")


def test_convert_of_nothing_starts_nothing(monkeypatch):
    """An empty batch returns at once without looking for LibreOffice."""
    monkeypatch.setattr(render, "soffice_binary", lambda: pytest.fail("started"))
    assert convert({}, "pdf") == {}


def test_convert_with_a_bogus_soffice_path(monkeypatch):
    """An executable that cannot be started: RenderError naming the document."""
    monkeypatch.setattr(render, "soffice_binary", lambda: "/nonexistent/soffice")
    with pytest.raises(RenderError) as info:
        convert_one(GREETING, "pdf", name="công văn")
    assert "could not be started" in str(info.value)
    assert "'công văn'" in str(info.value)


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-soffice"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_convert_failure_carries_libreoffice_output(monkeypatch, tmp_path):
    """A failing soffice: its exit code and stderr are in the message."""
    fake = _script(
        tmp_path, "echo 'Error: source file could not be loaded' >&2\nexit 81\n"
    )
    monkeypatch.setattr(render, "soffice_binary", lambda: fake)
    with pytest.raises(RenderError) as info:
        convert({"phieu": GREETING}, "pdf")
    message = str(info.value)
    assert "exit code 81" in message
    assert "source file could not be loaded" in message
    assert "'phieu'" in message


def test_convert_missing_output_is_an_error(monkeypatch, tmp_path):
    """soffice exits 0 but writes nothing: RenderError with what it said."""
    fake = _script(tmp_path, "echo 'convert nothing'\nexit 0\n")
    monkeypatch.setattr(render, "soffice_binary", lambda: fake)
    with pytest.raises(RenderError, match=r"did not convert 'a', 'b'.*convert nothing"):
        convert({"a": GREETING, "b": GREETING}, "docx")


def test_convert_empty_output_is_an_error(monkeypatch, tmp_path):
    """An output file of zero bytes counts as a failed conversion."""
    # The fake writes an empty file for every input, as a crash mid-way might.
    body = (
        'out=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; done\n'
        'for a in "$@"; do case "$a" in *.odt) b=$(basename "$a" .odt);'
        ' : > "$out/$b.pdf";; esac; done\n'
    )
    monkeypatch.setattr(render, "soffice_binary", lambda: _script(tmp_path, body))
    with pytest.raises(RenderError, match="empty output"):
        convert_one(GREETING, "pdf")


def test_convert_timeout_kills_soffice(monkeypatch, tmp_path):
    """A hanging soffice is killed after the timeout and reported."""
    fake = _script(tmp_path, "echo started\nsleep 30\n")
    monkeypatch.setattr(render, "soffice_binary", lambda: fake)
    with pytest.raises(RenderError, match=r"timed out after 1 s.*started"):
        convert({"x": GREETING}, "pdf", timeout=1)


def test_convert_passes_a_throwaway_profile_and_one_start(monkeypatch, tmp_path):
    """All documents go to ONE soffice command with its own user profile."""
    calls: list[list[str]] = []

    def fake_run(command, timeout, keys):
        calls.append(command)
        outdir = Path(command[command.index("--outdir") + 1])
        for arg in command:
            if arg.endswith(".odt"):
                (outdir / (Path(arg).stem + ".pdf")).write_bytes(b"%PDF-fake")
        return ""

    monkeypatch.setattr(render, "soffice_binary", lambda: "soffice")
    monkeypatch.setattr(render, "_run_soffice", fake_run)
    result = convert({f"doc {n}/x": GREETING for n in range(5)}, "pdf")
    assert list(result) == [f"doc {n}/x" for n in range(5)]
    assert len(calls) == 1
    profile = [a for a in calls[0] if a.startswith("-env:UserInstallation=file:///")]
    assert len(profile) == 1
    assert "--headless" in calls[0]
    assert sum(a.endswith(".odt") for a in calls[0]) == 5


@pytest.mark.libreoffice
@needs_soffice
def test_convert_batch_with_real_libreoffice():
    """Real soffice: three documents to PDF in one start, each a real PDF."""
    docs = {
        f"doc{n}": render_odt(GREETING, {"name": f"Đơn vị {n}", "items": ["Hà Giang"]})
        for n in range(3)
    }
    pdfs = convert(docs, "pdf")
    assert set(pdfs) == set(docs)
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs.values())
    docx = convert_one(docs["doc0"], "docx")
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert "Đơn vị 0" in archive.read("word/document.xml").decode()
    odt = convert_one(docs["doc0"], "odt")
    assert "Kính gửi: Đơn vị 0" in paragraphs(odt)


@pytest.mark.libreoffice
@needs_soffice
def test_convert_corrupt_odt_raises_with_libreoffice_output():
    """Real soffice given a corrupt ODT: RenderError with soffice's words."""
    with pytest.raises(RenderError) as info:
        convert_one(b"PK\x03\x04 truncated garbage", "pdf", name="hỏng")
    message = str(info.value)
    assert "'hỏng'" in message
    assert "LibreOffice said:" in message
    assert "(nothing)" not in message


@pytest.mark.libreoffice
@needs_soffice
def test_conversions_can_run_side_by_side():
    """Two conversions at once each get their own profile and succeed."""
    odt = render_odt(GREETING, {"name": "song song", "items": []})
    results: dict[int, bytes] = {}
    errors: list[Exception] = []

    def work(n: int) -> None:
        try:
            results[n] = convert_one(odt, "pdf")
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(results[n].startswith(b"%PDF") for n in range(2))


# ------------------------------------------------------------ templates ---


def test_template_path_finds_the_shipped_templates(monkeypatch):
    """Without $VCSURVEY_TEMPLATE_DIR the addon's templates are used."""
    monkeypatch.delenv(templates.TEMPLATE_DIR_ENV, raising=False)
    shipped = ROOT / "hg_videoconf_survey" / "report" / "templates"
    assert templates.template_path("dispatch.odt") == shipped / "dispatch.odt"
    assert templates.template_path("form") == shipped / "form.odt"


def test_template_path_honours_the_environment(monkeypatch, tmp_path):
    """$VCSURVEY_TEMPLATE_DIR replaces the directory; absent names are errors."""
    (tmp_path / "dispatch.odt").write_bytes(GREETING)
    monkeypatch.setenv(templates.TEMPLATE_DIR_ENV, str(tmp_path))
    assert templates.template_path("dispatch.odt") == tmp_path / "dispatch.odt"
    with pytest.raises(RenderError) as info:
        templates.template_path("form.odt")
    assert "'form.odt' not found" in str(info.value)
    assert str(tmp_path) in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def _build_tool():
    spec = importlib.util.spec_from_file_location(
        "build_templates", ROOT / "tools" / "build_templates.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_templates_are_built_from_their_sources():
    """The committed .odt files equal a fresh build of tools/templates_src."""
    tool = _build_tool()
    assert tool.main(["--check"]) == 0
    for source in sorted((ROOT / "tools" / "templates_src").glob("*.fodt")):
        built = tool.build_odt(source.read_bytes())
        assert built == tool.build_odt(source.read_bytes())  # reproducible
        with zipfile.ZipFile(io.BytesIO(built)) as archive:
            assert archive.namelist()[0] == "mimetype"
            assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
            for part in ("content.xml", "styles.xml", "META-INF/manifest.xml"):
                etree.fromstring(archive.read(part))


def test_build_tool_check_reports_stale_templates(tmp_path):
    """--check exits 1 when an .odt differs from its source; a build fixes it."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    shutil.copy(ROOT / "tools" / "templates_src" / "dispatch.fodt", src)
    cmd = [sys.executable, str(ROOT / "tools" / "build_templates.py")]
    args = ["--src", str(src), "--out", str(out)]
    assert subprocess.run([*cmd, "--check", *args], capture_output=True).returncode == 1
    assert subprocess.run([*cmd, *args], capture_output=True).returncode == 0
    assert subprocess.run([*cmd, "--check", *args], capture_output=True).returncode == 0
    assert render_odt(out / "dispatch.odt", _EMPTY_DISPATCH_DATA)


_EMPTY_DISPATCH_DATA = {
    key: ""
    for key in (
        "parent_agency agency number_line date_line subject_line closing "
        "signer_authority signer_position signer_name"
    ).split()
} | {"recipient_lines": [], "legal_bases": [], "body": [], "cc_lines": []}
