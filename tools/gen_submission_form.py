"""Generate the submission form view from the core's form definitions.

    .state/venv/bin/python tools/gen_submission_form.py [--check]

Writes ``hg_videoconf_survey/views/vc_survey_submission_form.xml``: the
survey form laid out like the paper (A guidance, B provider, C survey with
parts I and II as pages for the district form), one widget per question,
radio buttons for the three-way statuses and yes/no.  Labels are the fields'
own strings (English source, Vietnamese in i18n/vi.po), so the one definition
in ``vcsurvey.forms`` drives the view, the validation and the printed form.
With --check it fails when the committed file differs from what it would
write (the core tests call it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcsurvey import forms  # noqa: E402

TARGET = ROOT / "hg_videoconf_survey" / "views" / "vc_survey_submission_form.xml"
RADIO = "{'horizontal': true}"
LINE_KINDS = ("operators", "incidents")


def fname(q: forms.Question) -> str:
    return f"{q.field}_ids" if q.kind in LINE_KINDS else q.field


def esc(text: str) -> str:
    return quoteattr(text)


class Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)


def question(w: Writer, q: forms.Question, depth: int) -> None:
    name = fname(q)
    bullet = f'<span class="o_vc_bullet me-1">{q.bullet}</span>' if q.bullet else ""
    ro = 'readonly="not can_edit"'
    w.add(depth, f'<div class="o_vc_question mb-3" name="{q.code}">')
    if q.kind in ("status", "yesno", "choice"):
        w.add(depth + 1, f'<div>{bullet}<label for="{name}" class="fw-normal" /></div>')
        w.add(
            depth + 1,
            f'<field name="{name}" widget="radio" options="{RADIO}" {ro} '
            'class="ms-4" />',
        )
    elif q.kind == "operators":
        w.add(depth + 1, f'<div>{bullet}<label for="{name}" class="fw-normal" /></div>')
        w.add(depth + 1, f'<field name="{name}" {ro}>')
        w.add(depth + 2, '<list editable="bottom">')
        w.add(depth + 3, '<field name="sequence" widget="handle" />')
        w.add(depth + 3, '<field name="operator_id" optional="show" />')
        for col in ("name", "position", "phone", "email", "unit_name"):
            w.add(depth + 3, f'<field name="{col}" />')
        w.add(depth + 2, "</list>")
        w.add(depth + 1, "</field>")
    elif q.kind == "incidents":
        w.add(depth + 1, f'<div>{bullet}<label for="{name}" class="fw-normal" /></div>')
        w.add(depth + 1, f'<field name="{name}" {ro}>')
        w.add(depth + 2, '<list editable="bottom">')
        w.add(depth + 3, '<field name="question_code" column_invisible="1" />')
        for col in ("symptom", "count", "cause", "fix", "endpoint_id", "endpoint_text"):
            w.add(depth + 3, f'<field name="{col}" />')
        w.add(depth + 2, "</list>")
        w.add(depth + 1, "</field>")
    else:
        w.add(depth + 1, f'<div>{bullet}<label for="{name}" class="fw-normal" /></div>')
        widget = ""
        if q.kind == "email":
            widget = ' widget="email"'
        elif q.kind == "phone":
            widget = ' widget="phone"'
        elif q.kind == "percent":
            widget = ' widget="float"'
        klass = "ms-4 w-75" if q.kind == "text" else "ms-4 w-50"
        w.add(depth + 1, f'<field name="{name}"{widget} {ro} class="{klass}" />')
    w.add(depth, "</div>")


def shared_line(w: Writer, group: list[forms.Question], depth: int) -> None:
    """Questions printed on one line of the paper ("Số lượng điểm cầu/ số
    lượng UBND cấp xã"): their labels and inputs side by side, "/" between."""
    bullet = group[0].bullet
    labels = " / ".join(f'<label for="{fname(q)}" class="fw-normal" />' for q in group)
    w.add(depth, f'<div class="o_vc_question mb-3" name="{group[0].code}">')
    w.add(
        depth + 1, f'<div><span class="o_vc_bullet me-1">{bullet}</span>{labels}</div>'
    )
    w.add(depth + 1, '<div class="ms-4 d-flex align-items-baseline gap-2">')
    for index, q in enumerate(group):
        if index:
            w.add(depth + 2, "<span>/</span>")
        w.add(
            depth + 2,
            f'<field name="{fname(q)}" readonly="not can_edit" class="w-25" />',
        )
    w.add(depth + 1, "</div>")
    w.add(depth, "</div>")


def children(w: Writer, items: tuple, depth: int) -> None:
    pending: list[forms.Question] = []

    def flush() -> None:
        if len(pending) > 1:
            shared_line(w, pending, depth)
        elif pending:
            question(w, pending[0], depth)
        pending.clear()

    for item in items:
        if isinstance(item, forms.Question) and item.line:
            if pending and pending[0].line != item.line:
                flush()
            pending.append(item)
            continue
        flush()
        if isinstance(item, forms.Section):
            w.add(depth, f'<div class="o_vc_section mb-2" name="{item.code}">')
            w.add(depth + 1, f"<h5>{item.title_en}</h5>")
            children(w, item.children, depth + 1)
            w.add(depth, "</div>")
        else:
            question(w, item, depth)
    flush()


# Short tab labels; the full heading of the part stands at the top of its tab.
TAB_LABELS = {
    "C.I": "I. Province ↔ district",
    "C.II": "II. District ↔ commune",
    "C": "C. Survey",
}


def page(w: Writer, code: str, title: str, items: tuple, form_type: str) -> None:
    label = TAB_LABELS[code]
    w.add(
        5,
        f"<page string={esc(label)} name=\"page_{code.replace('.', '_')}\" "
        f"invisible=\"form_type != '{form_type}'\">",
    )
    if label != title:
        w.add(6, f'<h4 class="mb-3">{title}</h4>')
    children(w, items, 6)
    w.add(5, "</page>")


def build() -> str:
    district = forms.get_form("district")
    center = forms.get_form("center")
    w = Writer()
    w.add(0, '<?xml version="1.0" encoding="utf-8" ?>')
    w.add(0, "<!-- Generated by tools/gen_submission_form.py from vcsurvey.forms:")
    w.add(0, "     edit the form definitions, then run the tool; do not edit here. -->")
    w.add(0, "<odoo>")
    w.add(1, '<record id="vc_survey_submission_view_form" model="ir.ui.view">')
    w.add(2, '<field name="name">vc.survey.submission.form</field>')
    w.add(2, '<field name="model">vc.survey.submission</field>')
    w.add(2, '<field name="arch" type="xml">')
    w.add(3, "<form>")
    w.add(4, "<header>")
    buttons = [
        ("action_submit", "Submit for sign-off", "can_submit", "btn-primary", ""),
        ("action_approve", "Approve (sign off)", "can_approve", "btn-primary", ""),
        (
            "action_open_reason_wizard",
            "Return",
            "can_return",
            "btn-secondary",
            "{'vc_event': 'return'}",
        ),
        ("action_receive", "Receive", "can_receive", "btn-primary", ""),
        (
            "action_open_reason_wizard",
            "Reopen",
            "can_reopen",
            "btn-secondary",
            "{'vc_event': 'reopen'}",
        ),
    ]
    for method, label, flag, klass, ctx in buttons:
        extra = f' context="{ctx}"' if ctx else ""
        w.add(
            5,
            f'<button name="{method}" type="object" string="{label}" '
            f'class="{klass}" invisible="not {flag}"{extra} />',
        )
    w.add(
        5,
        '<field name="state" widget="statusbar" '
        'statusbar_visible="draft,submitted,approved,received" />',
    )
    w.add(4, "</header>")
    w.add(4, "<sheet>")
    w.add(
        5,
        '<widget name="web_ribbon" title="Late" bg_color="text-bg-warning" '
        'invisible="not is_late" />',
    )
    w.add(5, '<div class="oe_title">')
    w.add(
        6,
        '<h1><field name="unit_name" readonly="1" /></h1>',
    )
    w.add(6, '<h3><field name="form_title" readonly="1" /></h3>')
    w.add(
        6, '<div class="fst-italic"><field name="form_audience" readonly="1" /></div>'
    )
    w.add(5, "</div>")
    w.add(5, "<group>")
    w.add(6, "<group>")
    # unit users reach the round through its form only: no link to open it
    w.add(7, '<field name="round_id" readonly="1" options="{\'no_open\': True}" />')
    for f in ("form_type", "deadline"):
        w.add(7, f'<field name="{f}" readonly="1" />')
    w.add(6, "</group>")
    w.add(6, "<group>")
    for f in ("submitted_by_id", "approved_by_id", "signed_as", "received_on"):
        w.add(7, f'<field name="{f}" invisible="not {f}" />')
    w.add(7, '<field name="can_edit" invisible="1" />')
    for flag in (
        "can_submit",
        "can_approve",
        "can_return",
        "can_receive",
        "can_reopen",
    ):
        w.add(7, f'<field name="{flag}" invisible="1" />')
    w.add(6, "</group>")
    w.add(5, "</group>")
    w.add(5, "<notebook>")
    w.add(6, '<page string="A. General guidance" name="page_a">')
    w.add(7, '<field name="guidance_html" readonly="1" nolabel="1" />')
    w.add(6, "</page>")
    provider = district.section("B")
    w.add(6, f'<page string={esc(provider.title_en)} name="page_b">')
    children(w, provider.children, 7)
    w.add(6, "</page>")
    for code in ("C.I", "C.II"):
        section = district.section(code)
        page(w, code, section.title_en, section.children, "district")
    survey = center.section("C")
    page(w, "C", survey.title_en, survey.children, "center")
    w.add(6, '<page string="Sign-off" name="page_signoff">')
    w.add(7, "<group>")
    w.add(8, '<group string="Preparer">')
    w.add(9, '<field name="submitted_by_id" />')
    w.add(9, '<field name="submitted_on" />')
    w.add(8, "</group>")
    w.add(8, '<group string="Head of the unit">')
    w.add(9, '<field name="approved_by_id" />')
    w.add(9, '<field name="signed_as" />')
    w.add(9, '<field name="approved_on" />')
    w.add(8, "</group>")
    w.add(7, "</group>")
    w.add(6, "</page>")
    w.add(5, "</notebook>")
    w.add(4, "</sheet>")
    w.add(4, "<chatter />")
    w.add(3, "</form>")
    w.add(2, "</field>")
    w.add(1, "</record>")
    w.add(0, "</odoo>")
    return "\n".join(w.lines) + "\n"


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(
                f"{TARGET.relative_to(ROOT)} is stale: run tools/gen_submission_form.py"
            )
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
