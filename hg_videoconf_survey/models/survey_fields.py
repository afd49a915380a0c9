"""Odoo fields of a submission's answers, made from the core's form definitions.

One definition (``vcsurvey.forms``) gives the questions; this module turns
each into a field of ``vc.survey.submission`` so that the view labels, the
validation and the printed form all come from the same place.  The fields are
the union over every form type and version: a later year that adds questions
adds fields, and earlier rounds keep theirs.
"""

from collections import Counter

from odoo import fields

from vcsurvey import forms

LINE_KINDS = ("operators", "incidents")
# labels of the submission's own fields, which an answer must not repeat
RESERVED_LABELS = {"Unit", "Deadline", "Status", "Year"}


def all_questions():
    """Every question of every form and version, first definition wins."""
    seen = {}
    for version in forms.versions():
        for form_type in forms.FORM_TYPES:
            for question in forms.get_form(form_type, version).questions():
                seen.setdefault(question.field, question)
    return list(seen.values())


def field_name(question):
    """The submission field holding the answer of ``question``."""
    if question.kind in LINE_KINDS:
        return f"{question.field}_ids"
    return question.field


def field_label(question, counts):
    """English label, unique on the model (Odoo warns on twins)."""
    label = question.text_en or question.code
    if counts[label] > 1 or label in RESERVED_LABELS:
        return f"{label} ({question.ref})"
    return label


def _selection(choices):
    return [(c.value, c.label_en or c.label) for c in choices]


def make_field(question, label):
    kind = question.kind
    common = {"string": label, "help": question.code, "copy": False}
    if kind in ("char", "ip", "email", "phone"):
        return fields.Char(**common)
    if kind == "text":
        return fields.Text(**common)
    if kind == "integer":
        return fields.Integer(**common)
    if kind == "percent":
        return fields.Float(digits=(5, 2), **common)
    if kind in ("yesno", "status", "choice"):
        # a selection, not a Boolean: "not answered" differs from "Không"
        return fields.Selection(_selection(question.choices), **common)
    if kind == "operators":
        return fields.One2many("vc.survey.operator.line", "submission_id", **common)
    if kind == "incidents":
        return fields.One2many(
            "vc.survey.incident.line",
            "submission_id",
            domain=[("question_code", "=", question.code)],
            context={"default_question_code": question.code},
            **common,
        )
    raise ValueError(f"{question.code}: no Odoo field for kind {kind!r}")


def answer_fields():
    """{field name: Odoo field} for every question."""
    questions = all_questions()
    counts = Counter(q.text_en or q.code for q in questions)
    return {field_name(q): make_field(q, field_label(q, counts)) for q in questions}
