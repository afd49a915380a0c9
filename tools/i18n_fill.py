"""Merge the exported .pot into i18n/vi.po and fill what the forms define.

    .state/venv/bin/python tools/i18n_fill.py [--check]

Called by ``./dev i18n`` after Odoo has exported
``hg_videoconf_survey/i18n/hg_videoconf_survey.pot``.  Entries that come from
the form definitions (question labels with their printed hints, section
headings, choices) always get the Vietnamese text of the paper forms; other
existing translations are kept; every other new entry is left empty and
listed, to be translated by hand.  With --check it only reports the
untranslated entries and exits 1 if there are any.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcsurvey import forms  # noqa: E402

I18N = ROOT / "hg_videoconf_survey" / "i18n"
POT = I18N / "hg_videoconf_survey.pot"
PO = I18N / "vi.po"
RESERVED_LABELS = {"Unit", "Deadline", "Status", "Year"}


def form_terms() -> dict[str, str]:
    """English source -> Vietnamese paper text, from the form definitions."""
    questions = {}
    for version in forms.versions():
        for form_type in forms.FORM_TYPES:
            form = forms.get_form(form_type, version)
            for q in form.questions():
                questions.setdefault(q.field, q)
            for section in form.all_sections():
                yield_pair = (section.title_en, section.title)
                questions.setdefault(f"section:{section.code}", yield_pair)
    counts = Counter(
        q.text_en or q.code for q in questions.values() if isinstance(q, forms.Question)
    )
    terms: dict[str, str] = {}
    for item in questions.values():
        if isinstance(item, tuple):
            english, vietnamese = item
            terms.setdefault(english, vietnamese)
            continue
        label = item.text_en or item.code
        if counts[label] > 1 or label in RESERVED_LABELS:
            label = f"{label} ({item.ref})"
        # the web form shows the paper's text with its printed hint
        vietnamese = item.text.replace("{next_year}", "tới")
        if item.hint:
            vietnamese = f"{vietnamese} {item.hint}"
        terms.setdefault(label, vietnamese)
        terms.setdefault(item.code, item.code)  # the field's help is its code
        for choice in item.choices:
            if choice.label_en:
                terms.setdefault(choice.label_en, choice.label)
    return terms


def main(argv: list[str]) -> int:
    pot = polib.pofile(str(POT))
    old = polib.pofile(str(PO)) if PO.exists() else polib.POFile()
    known = {e.msgid: e.msgstr for e in old if e.msgstr}
    terms = form_terms()
    po = polib.POFile(wrapwidth=78)
    po.metadata = {
        "Project-Id-Version": "Odoo Server 18.0",
        "Report-Msgid-Bugs-To": "",
        "Last-Translator": "",
        "Language-Team": "Vietnamese",
        "Language": "vi",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    missing = []
    for entry in pot:
        # what the form definitions say wins: vi.po follows the paper forms
        msgstr = terms.get(entry.msgid) or known.get(entry.msgid, "")
        if not msgstr:
            missing.append(entry.msgid)
        po.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgstr=msgstr,
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=entry.flags,
            )
        )
    if "--check" in argv:
        missing = [e.msgid for e in pot if not known.get(e.msgid)]
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing else 0
    po.save(str(PO))
    print(
        f"wrote {PO.relative_to(ROOT)}: {len(po)} entries, {len(missing)} to translate"
    )
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
