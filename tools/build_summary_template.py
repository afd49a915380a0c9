"""Build the summary report's template from its flat-XML source.

    python tools/build_summary_template.py          # write summary.odt
    python tools/build_summary_template.py --check  # fail if it is stale

Source: ``tools/templates_src/summary.fodt`` (open it in LibreOffice to edit
the layout; keep the ``py3o://`` hyperlinks and ``py3o.`` fields).  Output:
``hg_videoconf_survey/report/templates/summary.odt``.  The zipping itself is
:mod:`build_templates`' (the same, reproducible, for every template); this
script only narrows it to the summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_templates import OUTPUT_DIR, SOURCE_DIR, build_odt  # noqa: E402

SOURCE = SOURCE_DIR / "summary.fodt"
TARGET = OUTPUT_DIR / "summary.odt"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report whether it is stale"
    )
    args = parser.parse_args(argv)
    built = build_odt(SOURCE.read_bytes())
    if TARGET.is_file() and TARGET.read_bytes() == built:
        return 0
    if args.check:
        print(f"out of date: {TARGET}", file=sys.stderr)
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(built)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
