"""Tests of the command line (vcsurvey.cli, python -m vcsurvey)."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from soffice_support import needs_soffice

from vcsurvey import cli, render

ROOT = Path(__file__).resolve().parent.parent


DISPATCH = {
    "parent_agency": "UBND TỈNH HÀ GIANG",
    "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "notation": "STTTT-CNTT",
    "number": 5,
    "place": "Hà Giang",
    "date": "2017-12-20",
    "subject": "báo cáo công tác quản lý, vận hành hệ thống giao ban trực tuyến "
    "trên địa bàn tỉnh năm 2017",
    "recipients": ["UBND các huyện, thành phố", "Trung tâm CNTT & Truyền thông"],
    "legal_bases": ["Quyết định số 1373/QĐ-UBND ngày 24/7/2017 của UBND tỉnh"],
    "deadline": "2018-01-10",
    "email": "ltmy.stttt@hagiang.gov.vn",
    "cc": ["Lãnh đạo Sở", "Vnptioffice"],
    "signer": {"title": "GIÁM ĐỐC", "name": "Nguyễn Văn Tuệ"},
    "year": 2017,
    "forms": ["district", "center"],
}
FORM_YAML = """\
form_type: district
meta:
  unit_name: UBND huyện Vị Xuyên
  year: 2017
  dispatch_number: 5
  dispatch_date: 2017-12-20
  preparer_name: Nguyễn Thị Lan
  head_name: Hoàng Văn Nam
  signed_as: ""
answers:
  B.name: Nguyễn Thị Lan
  I.1.ip: 10.160.1.21
  I.2: true
  I.3.camera: stable
  I.10:
    - {name: Trần Văn Hùng, position: Kỹ thuật viên, phone: "0987654321",
       email: hung@hagiang.gov.vn, unit: VP UBND}
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def content_text(odt: Path) -> str:
    with zipfile.ZipFile(odt) as archive:
        return archive.read("content.xml").decode("utf-8")


def test_help_lists_the_commands(capsys):
    """--help exits 0 and names the four commands."""
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("dispatch", "blank-form", "form", "summary"):
        assert command in out


def test_python_dash_m_runs_the_cli():
    """``python -m vcsurvey --help`` works from the repository."""
    result = subprocess.run(
        [sys.executable, "-m", "vcsurvey", "dispatch", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "--format" in result.stdout and "-o" in result.stdout


def test_dispatch_from_json_writes_the_odt(capsys, tmp_path):
    """dispatch INPUT -o OUT --format odt writes cong-van-05.odt."""
    source = tmp_path / "dispatch.json"
    source.write_text(json.dumps(DISPATCH, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(
        capsys, "dispatch", str(source), "-o", str(tmp_path / "out"), "--format", "odt"
    )
    assert (code, err) == (0, "")
    target = tmp_path / "out" / "cong-van-05.odt"
    assert out.strip() == str(target)
    assert "Số: 05/STTTT-CNTT" in content_text(target)


def test_blank_form_writes_the_year_asked(capsys, tmp_path):
    """blank-form center --year 2019 prints the 2019 title."""
    code, out, _ = run(
        capsys,
        "blank-form",
        "center",
        "-o",
        str(tmp_path),
        "--year",
        "2019",
        "--format",
        "odt",
    )
    assert code == 0
    target = tmp_path / "phieu-center-2019.odt"
    assert out.strip() == str(target)
    assert "TỈNH HÀ GIANG NĂM 2019." in content_text(target)


def test_filled_form_from_yaml(capsys, tmp_path):
    """form INPUT.yaml: meta and answers (YAML dates too) reach the ODT."""
    source = tmp_path / "vi-xuyen.yaml"
    source.write_text(FORM_YAML, encoding="utf-8")
    code, out, err = run(
        capsys, "form", str(source), "-o", str(tmp_path), "--format", "odt"
    )
    assert (code, err) == (0, "")
    target = tmp_path / "phieu-district-ubnd-huyen-vi-xuyen-2017.odt"
    assert out.strip() == str(target)
    text = content_text(target)
    for expected in (
        "Đơn vị: UBND huyện Vị Xuyên",
        "10.160.1.21",
        "Trần Văn Hùng",
        "công văn số:05/STTTT-CNTT ngày 20 tháng 12 năm 2017",
        "☒\u00a0Ổn định",
    ):
        assert expected in text, expected


@pytest.mark.libreoffice
@needs_soffice
def test_dispatch_pdf_and_docx_from_yaml(capsys, tmp_path):
    """With LibreOffice: the dispatch as PDF (forms attached) and DOCX."""
    import yaml

    source = tmp_path / "dispatch.yml"
    source.write_text(yaml.safe_dump(DISPATCH, allow_unicode=True), encoding="utf-8")
    code, out, err = run(
        capsys, "dispatch", str(source), "-o", str(tmp_path), "--format", "pdf,docx"
    )
    assert (code, err) == (0, "")
    assert sorted(Path(p).name for p in out.split()) == [
        "cong-van-05.docx",
        "cong-van-05.pdf",
    ]
    assert (tmp_path / "cong-van-05.pdf").read_bytes().startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO((tmp_path / "cong-van-05.docx").read_bytes())) as z:
        assert "Nguyễn Văn Tuệ" in z.read("word/document.xml").decode()


# ---------------------------------------------------------------- errors ---


def _assert_input_error(capsys, argv, *fragments):
    code, out, err = run(capsys, *argv)
    assert code == cli.EXIT_INPUT
    assert out == ""
    assert err.startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_missing_input_file(capsys, tmp_path):
    """A file that does not exist: exit 2, 'not found' and its path."""
    missing = tmp_path / "none.json"
    _assert_input_error(
        capsys,
        ["dispatch", str(missing), "-o", str(tmp_path)],
        "not found",
        str(missing),
    )


def test_bad_json_says_where(capsys, tmp_path):
    """Broken JSON: exit 2 with the line and column."""
    source = tmp_path / "bad.json"
    source.write_text('{\n  "agency": "Sở",\n  "number": ,\n}', encoding="utf-8")
    _assert_input_error(
        capsys,
        ["dispatch", str(source), "-o", str(tmp_path)],
        "invalid JSON",
        "line 3",
    )


def test_bad_yaml_says_where(capsys, tmp_path):
    """Broken YAML: exit 2 with the line."""
    source = tmp_path / "bad.yaml"
    source.write_text("form_type: district\nmeta: [year: 2017\nanswers: {}\n")
    _assert_input_error(
        capsys, ["form", str(source), "-o", str(tmp_path)], "invalid YAML", "line"
    )


def test_top_level_must_be_a_mapping(capsys, tmp_path):
    """A JSON list instead of a mapping is refused."""
    source = tmp_path / "list.json"
    source.write_text("[1, 2]")
    _assert_input_error(
        capsys, ["dispatch", str(source), "-o", str(tmp_path)], "expected a mapping"
    )


def test_missing_dispatch_key_is_named(capsys, tmp_path):
    """A dispatch without its signer: exit 2 naming 'signer'."""
    data = {k: v for k, v in DISPATCH.items() if k != "signer"}
    source = tmp_path / "d.json"
    source.write_text(json.dumps(data))
    _assert_input_error(
        capsys,
        ["dispatch", str(source), "-o", str(tmp_path), "--format", "odt"],
        "'signer'",
    )


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"meta": {"year": 2017}}, "'form_type'"),
        ({"form_type": "district"}, "'meta'"),
        ({"form_type": "commune", "meta": {"year": 2017}}, "unknown form type"),
        ({"form_type": "district", "meta": {}}, "'year'"),
        (
            {"form_type": "district", "meta": {"year": 2017}, "answers": {"I.4": "ok"}},
            "I.4",
        ),
    ],
)
def test_bad_form_input(capsys, tmp_path, document, fragment):
    """Missing keys, unknown form type, bad answers: exit 2, said plainly."""
    source = tmp_path / "form.json"
    source.write_text(json.dumps(document))
    _assert_input_error(
        capsys, ["form", str(source), "-o", str(tmp_path), "--format", "odt"], fragment
    )


def test_unknown_format_is_a_usage_error(capsys, tmp_path):
    """--format rtf is refused by the parser (exit 2)."""
    with pytest.raises(SystemExit) as info:
        cli.main(["blank-form", "district", "-o", str(tmp_path), "--format", "rtf"])
    assert info.value.code == 2
    assert "unknown format" in capsys.readouterr().err


def test_render_failure_exits_1_without_traceback(capsys, tmp_path, monkeypatch):
    """LibreOffice failing: exit 1 and its message, no traceback."""
    monkeypatch.setattr(render, "soffice_binary", lambda: "/nonexistent/soffice")
    code, out, err = run(
        capsys, "blank-form", "district", "-o", str(tmp_path), "--format", "pdf"
    )
    assert code == cli.EXIT_RENDER
    assert "could not be started" in err and "Traceback" not in err


def test_slug_of_vietnamese_names():
    """File names are ASCII: diacritics and đ dropped."""
    assert cli.slug("UBND huyện Đồng Văn") == "ubnd-huyen-dong-van"
    assert cli.slug("  ") == "unit"


# --------------------------------------------------------------- summary ---

HAVE_SUMMARY = importlib.util.find_spec("vcsurvey.summary") is not None


def test_summary_without_its_module_says_so(capsys, tmp_path, monkeypatch):
    """Without vcsurvey.summary, 'summary' explains it is unavailable."""
    # None in sys.modules makes the import fail as if the file were absent.
    monkeypatch.setitem(sys.modules, "vcsurvey.summary", None)
    source = tmp_path / "round.json"
    source.write_text("{}")
    _assert_input_error(
        capsys,
        ["summary", str(source), "-o", str(tmp_path)],
        "summary report is not available",
    )


def _round_file(tmp_path: Path) -> Path:
    try:  # the fixture round lives with the consolidation tests
        from tests.test_consolidate import make_round
    except ImportError:  # tests/ is not a package: pytest put it on sys.path
        from test_consolidate import make_round

    data = dict(make_round())
    data["meta"] = {"number": 7, "date": "2018-01-15"}
    source = tmp_path / "round.json"
    # dates become ISO text, which the consolidation accepts
    source.write_text(json.dumps(data, default=str, ensure_ascii=False))
    return source


@pytest.mark.skipif(not HAVE_SUMMARY, reason="vcsurvey.summary is not written yet")
def test_summary_writes_the_report_and_workbook(capsys, tmp_path):
    """summary INPUT --format odt,xlsx: the report's ODT and the XLSX."""
    import openpyxl

    source = _round_file(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "summary", str(source), "-o", str(out_dir), "--format", "odt,xlsx"
    )
    assert (code, err) == (0, "")
    odt, xlsx = out_dir / "bao-cao-tong-hop.odt", out_dir / "bao-cao-tong-hop.xlsx"
    assert out.split() == [str(odt), str(xlsx)]
    assert "Số: 07/" in content_text(odt)
    assert openpyxl.load_workbook(xlsx).sheetnames


@pytest.mark.skipif(not HAVE_SUMMARY, reason="vcsurvey.summary is not written yet")
def test_summary_bad_input(capsys, tmp_path):
    """Unknown format, bad meta, round data of the wrong shape: exit 2."""
    source = _round_file(tmp_path)
    _assert_input_error(
        capsys,
        ["summary", str(source), "-o", str(tmp_path), "--format", "csv"],
        "unknown summary format",
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"meta": [1]}))
    _assert_input_error(
        capsys, ["summary", str(bad), "-o", str(tmp_path)], "'meta' must be a mapping"
    )
    bad.write_text(json.dumps({"submissions": "none"}))
    _assert_input_error(
        capsys,
        ["summary", str(bad), "-o", str(tmp_path), "--format", "xlsx"],
        "bad round data",
    )
