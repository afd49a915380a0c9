"""The addon's Vietnamese catalogue is complete and keeps every placeholder."""

import re
from pathlib import Path

import polib
import pytest

I18N = Path(__file__).resolve().parent.parent / "hg_videoconf_survey" / "i18n"
# %(name)s / %s / %d and {{ expressions }} of mail templates
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}")
TAG = re.compile(r"<(/?[a-zA-Z][\w-]*)")


@pytest.fixture(scope="module")
def pot() -> polib.POFile:
    return polib.pofile(str(I18N / "hg_videoconf_survey.pot"))


@pytest.fixture(scope="module")
def vi() -> polib.POFile:
    return polib.pofile(str(I18N / "vi.po"))


def test_every_term_is_translated(pot: polib.POFile, vi: polib.POFile) -> None:
    translated = {e.msgid for e in vi if e.msgstr.strip() and "fuzzy" not in e.flags}
    missing = [e.msgid for e in pot if e.msgid not in translated]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"


def test_placeholders_and_markup_kept(vi: polib.POFile) -> None:
    broken = []
    for entry in vi:
        if not entry.msgstr:
            continue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(
            PLACEHOLDER.findall(entry.msgstr)
        ):
            broken.append(("placeholder", entry.msgid))
        if sorted(TAG.findall(entry.msgid)) != sorted(TAG.findall(entry.msgstr)):
            broken.append(("markup", entry.msgid))
    assert not broken, broken[:5]


def test_paper_wording_used(vi: polib.POFile) -> None:
    by_id = {e.msgid: e.msgstr for e in vi}
    assert by_id["Stable"] == "Ổn định"
    assert by_id["Not working"] == "Không hoạt động"
