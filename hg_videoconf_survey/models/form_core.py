"""The addon's one door to the core's form definitions.

Everything the addon needs from ``vcsurvey`` about form versions goes
through here: (de)serialising a definition, reading/writing XLSForm, the
per-answer check and the visible set.  The 2017 forms are also reachable
as "builtin" definitions (``{"builtin": [form_type, version]}``) so that a
database stays readable whatever the core's data files hold.
"""

import functools
import json
from pathlib import Path

import vcsurvey
from vcsurvey import forms, validation, xlsform

FORMS_DIR = Path(vcsurvey.__file__).parent / "data" / "forms"
# the 2017 forms shipped with the addon: xml id -> (file, form type)
BUILTIN_FORMS = {
    "form_2017_district": ("vc_2017_district.xlsx", "district"),
    "form_2017_center": ("vc_2017_center.xlsx", "center"),
}
# answers of these kinds are lists of dicts
LIST_KINDS = ("operators", "incidents", "repeat")
# 2017 repeat kinds kept in their own line models
LINE_KINDS = ("operators", "incidents")


def definition_to_dict(form):
    return forms.definition_to_dict(form)


def _from_dict(data):
    if "builtin" in data:
        form_type, version = data["builtin"]
        return forms.get_form(form_type, version)
    return forms.definition_from_dict(data)


@functools.lru_cache(maxsize=64)
def _cached(key, text):
    return _from_dict(json.loads(text))


def definition_from_dict(data, key=None):
    """FormDefinition of ``data``; cached under ``key`` when given."""
    if key is None:
        return _from_dict(data)
    return _cached(key, json.dumps(data, sort_keys=True))


def builtin_form(form_type):
    """The 2017 form of ``form_type``: the shipped XLSForm when present,
    else the core's definition."""
    return forms.get_form(form_type, "2017")


def builtin_file(xmlid):
    """(bytes, filename) of a shipped 2017 XLSForm, or (None, filename)."""
    filename = BUILTIN_FORMS[xmlid][0]
    path = FORMS_DIR / filename
    return (path.read_bytes() if path.exists() else None), filename


def has_xlsform():
    return True


def read_xlsform(data, filename):
    """FormDefinition or raise the core's XLSFormError."""
    return xlsform.read_xlsform(data, filename)


def write_xlsform(form):
    return xlsform.write_xlsform(form)


def xlsform_error_class():
    return xlsform.XLSFormError


# rules that say a value has the wrong type: set_answers refuses them.
# Everything else (formats, ranges, constraints, cross rules, required) is
# shown on the field while the form is a draft and blocks the submission.
TYPE_RULES = {
    "unknown_question",
    "not_text",
    "not_integer",
    "not_number",
    "not_date",
    "yesno_invalid",
    "status_invalid",
    "choice_invalid",
    "select_invalid",
    "not_list",
    "not_line",
    "unknown_column",
    "lines_max",
    # text XML cannot carry or too long: it would break every printed document
    "text_invalid_char",
    "text_too_long",
}
# a hard limit on the lines of any list answer, whatever the version says
MAX_ROWS = 500


def _problems_of(form, code, value, answers):
    return list(validation.check_answer(form, code, value, answers))


def check_answer(form, code, value, answers):
    """Problems shown on the field (everything but a missing answer)."""
    return [p for p in _problems_of(form, code, value, answers) if p.rule != "required"]


def type_problems(form, code, value, answers):
    """Problems set_answers refuses: wrong types, unknown names."""
    return [p for p in _problems_of(form, code, value, answers) if p.rule in TYPE_RULES]


def visible(form, answers):
    """Codes of the questions shown for ``answers``."""
    return set(validation.visible(form, answers))


def validate(form, answers):
    return validation.validate(form, answers)


def question_columns(question):
    """(name, label, kind) of a list answer's columns."""
    columns = getattr(question, "columns", None) or ()
    if columns:
        return [(c.code, c.text, c.kind) for c in columns]
    if question.kind == "operators":
        return [(key, vi, "char") for key, vi, _en in forms.OPERATOR_FIELDS]
    if question.kind == "incidents":
        return [
            (key, vi, "integer" if key == "count" else "char")
            for key, vi, _en in forms.INCIDENT_FIELDS
        ]
    return []


def roles(form):
    """{role: question code} of ``form`` (XLSForm column vc_role): the
    registry prefill, the endpoints warning and the device-status pivot read
    questions by role, never by code."""
    found = {}
    for question in form.questions():
        role = getattr(question, "role", "") or ""
        if role:
            found.setdefault(role, question.code)
    return found
