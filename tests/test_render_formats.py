"""Several formats from one LibreOffice start (render.convert_formats)."""

from __future__ import annotations

import io
import subprocess
import zipfile

from soffice_support import needs_soffice
from test_render import make_odt

from vcsurvey import render

BODY = "<text:p>Báo cáo tổng hợp: Ủy ban nhân dân tỉnh Hà Giang</text:p>"


@needs_soffice
def test_pdf_and_docx_from_one_start(tmp_path, monkeypatch):
    odt = make_odt(BODY)
    render._macro_profile(render.soffice_binary())  # the once-per-process profile
    starts = []
    real = render._run_soffice

    def counting(command, timeout, keys):
        starts.append(command)
        return real(command, timeout, keys)

    monkeypatch.setattr(render, "_run_soffice", counting)
    out = render.convert_formats({"a": odt, "b": odt}, ["pdf", "docx", "odt"])
    assert len(starts) == 1  # both documents, both formats, one soffice
    assert set(out) == {"a", "b"}
    for files in out.values():
        assert set(files) == {"pdf", "docx"}
        assert files["pdf"].startswith(b"%PDF-")
        with zipfile.ZipFile(io.BytesIO(files["docx"])) as docx:
            assert "Ủy ban nhân dân" in docx.read("word/document.xml").decode()
        pdf = tmp_path / "a.pdf"
        pdf.write_bytes(files["pdf"])
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Hà Giang" in text


@needs_soffice
def test_falls_back_to_one_start_per_format(monkeypatch):
    """A LibreOffice whose macro writes nothing still gives every format."""
    odt = make_odt(BODY)
    real = render._run_soffice

    def no_macro(command, timeout, keys):
        if any(part.startswith("macro:") for part in command):
            return "macro disabled"
        return real(command, timeout, keys)

    monkeypatch.setattr(render, "_run_soffice", no_macro)
    out = render.convert_formats({"a": odt}, ["pdf", "docx"])
    assert out["a"]["pdf"].startswith(b"%PDF-")
    assert out["a"]["docx"][:2] == b"PK"
