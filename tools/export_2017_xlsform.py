"""Write the 2017 forms as XLSForm workbooks into vcsurvey/data/forms/.

The 2017 forms were Python code until issue 10; this tool exported them once
to ``vc_2017_district.xlsx`` / ``vc_2017_center.xlsx`` (and the frozen JSON
snapshots of tests/data that the tests compare the files with).  Run again,
it rewrites the files from the shipped workbooks themselves (a normalising
no-op unless the writer changed).

    python tools/export_2017_xlsform.py [--snapshots]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vcsurvey import forms, xlsform  # noqa: E402

DATA = ROOT / "vcsurvey" / "data" / "forms"
SNAPSHOTS = ROOT / "tests" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--snapshots", action="store_true", help="also rewrite tests/data/*.json"
    )
    args = parser.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    for form_type in forms.FORM_TYPES:
        form = forms.get_form(form_type, "2017")
        data = xlsform.write_xlsform(form)
        if xlsform.read_xlsform(data, "check.xlsx") != form:
            raise SystemExit(f"{form_type}: the workbook does not read back equal")
        path = DATA / f"vc_2017_{form_type}.xlsx"
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)}")
        if args.snapshots:
            snapshot = SNAPSHOTS / f"form_2017_{form_type}.json"
            snapshot.parent.mkdir(parents=True, exist_ok=True)
            snapshot.write_text(
                json.dumps(forms.definition_to_dict(form), ensure_ascii=False, indent=1)
                + "\n",
                encoding="utf-8",
            )
            print(f"wrote {snapshot.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
