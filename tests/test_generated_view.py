"""The submission form view is generated from the form definitions."""

import subprocess
import sys
from pathlib import Path

from lxml import etree

from vcsurvey import forms

ROOT = Path(__file__).resolve().parent.parent
VIEW = ROOT / "hg_videoconf_survey" / "views" / "vc_survey_submission_form.xml"


def test_committed_view_is_fresh() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_submission_form.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_question_has_a_widget() -> None:
    arch = etree.parse(str(VIEW))
    names = set(arch.xpath("//field/@name"))
    for form_type in forms.FORM_TYPES:
        for q in forms.get_form(form_type).questions():
            name = f"{q.field}_ids" if q.kind in ("operators", "incidents") else q.field
            assert name in names, f"{q.code} has no widget"


def test_three_way_statuses_are_radio_buttons() -> None:
    arch = etree.parse(str(VIEW))
    for q in forms.get_form("district").questions():
        if q.kind in ("status", "yesno"):
            (node,) = arch.xpath(f"//field[@name='{q.field}']")
            assert node.get("widget") == "radio", q.code
