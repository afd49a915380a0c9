"""Tests of vcsurvey.forms: the 2017 forms against the paper reference."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date
from pathlib import Path

import pytest

from vcsurvey import forms
from vcsurvey.forms import (
    CHECK_TIME_CHOICES,
    CURRENT_VERSION,
    FORM_TYPES,
    KINDS,
    OPERATOR_FIELDS,
    OPERATOR_SLOT_LABEL,
    STATUS_CHOICES,
    YESNO_CHOICES,
    Choice,
    FormDefinition,
    Question,
    Section,
    get_form,
    render_text,
)

REFERENCE = Path(
    os.environ.get(
        "VCSURVEY_REFERENCE",
        "/work/shared/reference/hg-2017-dispatch-and-survey-forms.txt",
    )
)

DISTRICT_CODES = (
    "B.name B.position B.unit B.phone B.email "
    "I.1.location I.1.ip I.1.meetings I.2 I.3.camera I.3.microphone I.3.audio "
    "I.3.vcs I.4 I.5 I.6 I.7 I.8 I.9 I.10 I.11 "
    "II.1.endpoints II.1.communes II.1.communes_without_endpoint II.1.reason "
    "II.1.meetings II.2.camera II.2.microphone II.2.audio II.2.vcs "
    "II.3 II.4 II.5 II.6 II.7 II.8 II.9"
).split()
CENTER_CODES = (
    "B.name B.position B.unit B.phone B.email "
    "C.1.name C.1.phone C.1.email C.1.endpoint C.1.sessions C.1.level4 "
    "C.1.level3 C.1.level2 C.2 C.3 C.4 C.5.mcu_ip C.5.operating_time "
    "C.5.incidents C.5.remedies C.5.maintenance C.5.difficulties "
    "C.5.recommendations C.6 C.7 C.8.full C.8.partial C.9"
).split()
# Issue dates printed on the 2017 forms (district: 12/2017, centre: 01/2018).
PRINTED_ISSUE = {"district": (12, 2017), "center": (1, 2018)}


def _both() -> list[FormDefinition]:
    return [get_form(form_type) for form_type in FORM_TYPES]


def test_get_form_returns_both_forms_of_the_current_version() -> None:
    assert CURRENT_VERSION == "2017"
    assert forms.versions() == ("2017",)
    for form_type in FORM_TYPES:
        form = get_form(form_type)
        assert (form.form_type, form.version) == (form_type, "2017")
        assert get_form(form_type, "2017") is form


def test_get_form_rejects_unknown_type_and_version() -> None:
    with pytest.raises(ValueError, match="unknown form type 'commune'"):
        get_form("commune")
    with pytest.raises(ValueError, match="known versions: 2017"):
        get_form("district", "2016")


def test_question_codes_are_the_contract_codes_in_printed_order() -> None:
    assert get_form("district").codes() == tuple(DISTRICT_CODES)
    assert get_form("center").codes() == tuple(CENTER_CODES)


def test_question_lookup_and_unknown_code() -> None:
    form = get_form("district")
    assert form.question("I.1.ip").kind == "ip"
    with pytest.raises(KeyError):
        form.question("C.1.name")
    assert form.section("I.3").title.startswith("3. Tình trạng")
    with pytest.raises(KeyError):
        form.section("C.5")


def test_field_names_follow_the_code() -> None:
    for form in _both():
        for question in form.questions():
            expected = "q_" + question.code.lower().replace(".", "_")
            assert question.field == expected
    assert get_form("district").question("I.3.camera").field == "q_i_3_camera"
    assert forms.field_name("II.1.communes") == "q_ii_1_communes"


def test_fields_shared_by_both_forms_mean_the_same() -> None:
    # Both forms may live in one Odoo model: a shared field needs one kind.
    district = {q.field: q for q in get_form("district").questions()}
    center = {q.field: q for q in get_form("center").questions()}
    shared = district.keys() & center.keys()
    assert shared == {"q_b_name", "q_b_position", "q_b_unit", "q_b_phone", "q_b_email"}
    for name in shared:
        assert district[name].kind == center[name].kind
        assert district[name].text == center[name].text


def test_every_question_has_a_known_kind_and_an_english_label() -> None:
    for form in _both():
        for question in form.questions():
            assert question.kind in KINDS
            assert question.text_en, question.code
        for section in form.all_sections():
            assert section.title_en, section.code


def test_kinds_of_the_contract() -> None:
    district = get_form("district")
    center = get_form("center")
    kinds = {q.code: q.kind for q in district.questions() + center.questions()}
    assert kinds["I.1.ip"] == kinds["C.5.mcu_ip"] == "ip"
    assert kinds["B.phone"] == kinds["C.1.phone"] == "phone"
    assert kinds["B.email"] == kinds["C.1.email"] == "email"
    assert kinds["I.10"] == "operators"
    assert kinds["I.6"] == kinds["II.5"] == kinds["C.6"] == "incidents"
    assert kinds["C.3"] == "choice"
    assert kinds["C.4"] == "percent"
    for code in ("I.2", "I.5", "I.7", "I.8", "II.4", "II.6", "II.7"):
        assert kinds[code] == "yesno"
    for code in ("C.2", "C.5.maintenance", "C.7", "C.8.full"):
        assert kinds[code] == "yesno"
    for code in ("I.3.camera", "I.3.vcs", "I.4", "II.2.audio", "II.3"):
        assert kinds[code] == "status"
    for code in ("I.1.meetings", "II.1.endpoints", "C.1.sessions", "C.1.level2"):
        assert kinds[code] == "integer"


def test_choices_of_the_contract() -> None:
    assert STATUS_CHOICES == (
        Choice("stable", "Ổn định", "Stable"),
        Choice("unstable", "Không ổn định", "Unstable"),
        Choice("not_working", "Không hoạt động", "Not working"),
    )
    assert STATUS_CHOICES[2] == Choice("not_working", "Không hoạt động")
    assert YESNO_CHOICES == (Choice("yes", "Có"), Choice("no", "Không"))
    assert [(c.value, c.label) for c in YESNO_CHOICES] == [
        ("yes", "Có"),
        ("no", "Không"),
    ]
    center = get_form("center")
    assert center.question("C.3").choices == CHECK_TIME_CHOICES
    assert [(c.value, c.label) for c in CHECK_TIME_CHOICES] == [
        ("one_hour_before", "Trước 1 giờ so với giờ họp chính thức"),
        ("at_meeting_time", "Ngay vào giờ họp chính thức."),
    ]
    assert center.question("C.3").choice_label("at_meeting_time").startswith("Ngay")
    for form in _both():
        for question in form.questions():
            if question.kind == "status":
                assert question.choices == STATUS_CHOICES
            elif question.kind == "yesno":
                assert question.choices == YESNO_CHOICES
            elif question.kind != "choice":
                assert question.choices == ()


def test_required_questions() -> None:
    district = get_form("district")
    required = {q.code for q in district.questions() if q.required}
    assert {"B.name", "B.phone", "I.1.location", "I.1.ip", "I.1.meetings"} <= required
    assert {"I.2", "I.3.camera", "I.4", "I.5", "I.7", "I.8", "I.10"} <= required
    assert {"II.1.communes", "II.3", "II.6", "II.7"} <= required
    assert not {"B.position", "I.6", "I.9", "I.11", "II.1.reason", "II.9"} & required
    center = get_form("center")
    required = {q.code for q in center.questions() if q.required}
    assert {"C.1.name", "C.1.sessions", "C.5.mcu_ip", "C.2", "C.3", "C.4"} <= required
    assert not {"C.1.level4", "C.5.incidents", "C.6", "C.8.partial"} & required


def test_printed_reference_of_a_question() -> None:
    district = get_form("district")
    assert district.question("I.1.ip").ref == "I.1"
    assert district.question("I.10").ref == "I.10"
    assert district.question("II.1.communes_without_endpoint").ref == "II.1"
    assert district.question("B.email").ref == "B"
    center = get_form("center")
    assert center.question("C.1.level4").ref == "C.1"
    assert center.question("C.5.mcu_ip").ref == "C.5"
    assert center.question("C.4").ref == "C.4"


def test_exact_vietnamese_texts() -> None:
    district = get_form("district")
    assert district.question("I.1.ip").text == "Địa chỉ IP của điểm cầu"
    assert district.question("I.3.microphone").text == (
        "Tình trạng hoạt động của bộ Micro"
    )
    assert district.question("I.2").text.startswith(
        "Cán bộ đầu mối hoặc cán bộ kỹ thuật điều khiển cuộc họp có nhận và biết"
    )
    assert district.section("I.3").title == (
        "3. Tình trạng hoạt động của các thiết bị tại điểm cầu"
    )
    assert district.section("C.II").title == (
        "II. Hệ thống giao ban trực tuyến giữa UBND các huyện, thành phố và các "
        "xã, phường, thị trấn."
    )
    assert district.question("II.1.endpoints").line == (
        "Số lượng điểm cầu/ số lượng UBND cấp xã"
    )
    assert district.audience == "(dành cho UBND các huyện, thành phố)"
    center = get_form("center")
    assert center.audience == "(Dành riêng cho Trung tâm CNTT&TT tỉnh Hà Giang)"
    assert center.question("C.1.sessions").hint == (
        "(nếu không có số liệu chính xác thì có thể ước tính)"
    )
    assert [s.title for s in center.sections] == [
        "B. Thông tin người cung cấp",
        "C. Thông tin khảo sát",
    ]
    for form in _both():
        assert form.guidance_title == "A. Hướng dẫn chung"
        assert len(form.guidance) == 4
        assert form.signoff == (
            ("NGƯỜI LẬP BIỂU", "(Ký và ghi rõ họ tên)"),
            ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký, đóng dấu và ghi rõ họ tên)"),
        )


def test_render_title_for_a_round() -> None:
    district, center = _both()
    assert district.render_title(2017) == (
        "PHIẾU KHẢO SÁT TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN ĐIỆN TỬ TỈNH "
        "HÀ GIANG NĂM 2017."
    )
    assert center.render_title(2019, province="Hà Giang").endswith(
        "GIAO BAN TRỰC TUYẾN TỈNH HÀ GIANG NĂM 2019."
    )


def test_render_issued_with_blank_and_filled() -> None:
    district = get_form("district")
    blank = district.render_issued_with(month=12, year=2017)
    assert blank == (
        "(Ban hành kèm theo công văn số:......../STTTT-CNTT ngày ...... tháng 12 "
        "năm 2017 của Sở Thông tin và Truyền thông tỉnh Hà Giang)"
    )
    filled = district.render_issued_with(number=512, day=5, month=1, year=2018)
    assert "công văn số:512/STTTT-CNTT ngày 05 tháng 01 năm 2018 của" in filled
    assert "{" not in district.render_issued_with()
    # Nghị định 30/2020: a 0 before numbers and days below 10 and months 1-2
    assert "số:05/STTTT-CNTT ngày 09 tháng 3 năm 2018" in (
        district.render_issued_with(number=5, day=9, month=3, year=2018)
    )
    assert forms.nd30_month(2) == "02" and forms.nd30_month(11) == "11"
    assert forms.nd30_number("7") == "07" and forms.nd30_number("15a") == "15a"


def test_render_guidance_with_the_cutoff_date() -> None:
    district = get_form("district")
    items = district.render_guidance(forms.default_cutoff(2017))
    assert items[3] == "4. Số liệu tính đến hết ngày 31/12/2017."
    assert items[:3] == district.guidance[:3]
    assert district.render_guidance(date(2018, 6, 5))[3].endswith("05/06/2018.")


def test_next_year_placeholder_of_question_i10() -> None:
    district = get_form("district")
    question = district.question("I.10")
    assert "{next_year}" in question.text
    assert district.render_question_text("I.10", 2017) == (
        "Đăng ký cán bộ quản lý vận hành hệ thống giao ban điện tử năm 2018."
    )
    assert render_text("không đổi", 2017) == "không đổi"
    assert question.min_items == 2
    assert question.hint == (
        "(Đề nghị đơn vị bố trí ít nhất 02 cán bộ kỹ thuật vận hành)"
    )
    assert [key for key, _, _ in OPERATOR_FIELDS] == [
        "name",
        "position",
        "phone",
        "email",
        "unit",
    ]


def test_definitions_are_frozen() -> None:
    question = get_form("district").question("I.1.ip")
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.text = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_form("center").title = "x"  # type: ignore[misc]


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Question("X.1", "x", "datetime")
    with pytest.raises(ValueError, match="needs choices"):
        Question("X.1", "x", "status")
    assert Question("X.1", "x", "char", field="q_custom").field == "q_custom"
    question = Question("X.1", "x", "char")
    section = Section("X", "X. x", (question,))
    with pytest.raises(ValueError, match="duplicate question codes"):
        FormDefinition("x", "1", "t", "a", "i", (), (section, section), ())


# ------------------------------------------------- against the paper form ---


def _normalize(text: str) -> str:
    # Dotted leaders and the spaces around them are layout, not text.
    text = re.sub(r"\s+", " ", text)
    return re.sub(r" ?(\.{3,}) ?", r"\1", text).strip()


def _printed_strings(form: FormDefinition, year: int = 2017) -> list[str]:
    """Every string of ``form`` that the paper prints, rendered for ``year``."""
    month, issue_year = PRINTED_ISSUE[form.form_type]
    strings = [
        form.render_title(year),
        form.audience,
        form.render_issued_with(month=month, year=issue_year),
        form.guidance_title,
        *form.render_guidance(forms.default_cutoff(year)),
    ]
    strings += [section.title for section in form.all_sections()]
    for question in form.questions():
        text = render_text(question.text, year)
        strings += [f"{question.bullet} {text}", text, question.hint, question.line]
        strings += [choice.label for choice in question.choices]
        if question.kind == "operators":
            strings += [label for _, label, _ in OPERATOR_FIELDS]
            strings += [OPERATOR_SLOT_LABEL.format(n=n) for n in (1, 2)]
    for role, note in form.signoff:
        strings += [role, note]
    return [s for s in dict.fromkeys(_normalize(s) for s in strings) if s]


def _reference_parts() -> dict[str, str]:
    if not REFERENCE.exists():
        pytest.skip(f"reference file {REFERENCE} not available")
    text = REFERENCE.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer("PHIẾU KHẢO SÁT", text)]
    assert len(starts) == 2
    return {"district": text[starts[0] : starts[1]], "center": text[starts[1] :]}


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_every_printed_text_of_the_paper_is_defined(form_type: str) -> None:
    """Each line of the paper form is made only of defined strings and layout."""
    strings = sorted(_printed_strings(get_form(form_type)), key=len, reverse=True)
    leftovers = []
    for raw in re.split(r"[\n\t]", _reference_parts()[form_type]):
        line = _normalize(raw)
        for string in strings:
            line = line.replace(string, "\x00")
        if line.strip(" .:()+-%/\x00"):
            leftovers.append((raw.strip(), line))
    assert leftovers == []


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_every_defined_text_is_on_the_paper_in_order(form_type: str) -> None:
    form = get_form(form_type)
    paper = _normalize(_reference_parts()[form_type]).casefold()
    for string in _printed_strings(form):
        assert string.casefold() in paper, string
    # Questions appear on the paper in the order of form.questions().
    position = 0
    for question in form.questions():
        found = paper.find(render_text(question.text, 2017).casefold(), position)
        assert found >= 0, question.code
        position = found


def _squash(text: str) -> str:
    # Spaces, colons and leaders vary between the paper's lines; words do not.
    return re.sub(r"[\s:]|\.{3,}", "", text).casefold()


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_each_question_has_the_papers_hint(form_type: str) -> None:
    """The parenthesis printed right after a question's label is its hint."""
    form = get_form(form_type)
    paper = _squash(_reference_parts()[form_type])
    position = 0
    for question in form.questions():
        label = _squash(f"{question.bullet} {render_text(question.text, 2017)}")
        found = paper.find(label, position)
        assert found >= 0, question.code
        position = found + len(label)
        if question.choices:
            continue  # a tick box "(" follows, not a hint
        after = re.match(r"\([^)]*\)", paper[position:])
        assert (after.group(0) if after else "") == _squash(
            question.hint
        ), question.code
