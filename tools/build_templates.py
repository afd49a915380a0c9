"""Build the shipped ODT templates from their flat-XML sources.

    python tools/build_templates.py          # (re)write the .odt files
    python tools/build_templates.py --check  # fail if an .odt is out of date

The readable sources are ``tools/templates_src/*.fodt`` (flat OpenDocument:
one XML file, diff-able, and LibreOffice opens and saves it as is).  This
script splits each one into the parts of a zipped ODT (``content.xml``,
``styles.xml``, ``meta.xml``, ``settings.xml``, manifest) without LibreOffice,
with fixed timestamps and ordering, so that the same source always gives the
same bytes and a rebuild shows no spurious diff.

An administrator may instead edit an ``.odt`` directly in LibreOffice; the
py3o directives are plain hyperlinks (``py3o://…``) and user fields
(``py3o.…``), which LibreOffice keeps.
"""

from __future__ import annotations

import argparse
import copy
import sys
import zipfile
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "tools" / "templates_src"
OUTPUT_DIR = ROOT / "hg_videoconf_survey" / "report" / "templates"

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
MIMETYPE = "application/vnd.oasis.opendocument.text"
# 1980-01-01 is the earliest zip date; any fixed date makes builds repeatable.
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def _o(tag: str) -> str:
    return f"{{{OFFICE}}}{tag}"


def _part(root_tag: str, source: etree._Element, children: list) -> bytes:
    """A document part: a new root with the source's namespaces and version."""
    root = etree.Element(_o(root_tag), nsmap=source.nsmap)
    version = source.get(_o("version"))
    if version:
        root.set(_o("version"), version)
    for child in children:
        if child is not None:
            root.append(copy.deepcopy(child))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def split_fodt(source: bytes) -> dict[str, bytes]:
    """Parts of the zipped ODT equivalent to the flat ODT ``source``."""
    doc = etree.fromstring(source)
    if doc.tag != _o("document"):
        raise ValueError("not a flat OpenDocument (root is not office:document)")

    def child(tag: str) -> etree._Element | None:
        return doc.find(_o(tag))

    automatic = child("automatic-styles")
    # Page layouts belong to styles.xml; the other automatic styles are
    # copied to both parts because both the body (content.xml) and the page
    # headers (styles.xml) may refer to them, and each part has its own
    # automatic-style namespace.
    content_auto = etree.Element(_o("automatic-styles"))
    styles_auto = etree.Element(_o("automatic-styles"))
    if automatic is not None:
        for style in automatic:
            if style.tag != f"{{{STYLE}}}page-layout":
                content_auto.append(copy.deepcopy(style))
            styles_auto.append(copy.deepcopy(style))
    fonts = child("font-face-decls")
    parts = {
        "content.xml": _part(
            "document-content",
            doc,
            [child("scripts"), fonts, content_auto, child("body")],
        ),
        "styles.xml": _part(
            "document-styles",
            doc,
            [fonts, child("styles"), styles_auto, child("master-styles")],
        ),
    }
    if child("meta") is not None:
        parts["meta.xml"] = _part("document-meta", doc, [child("meta")])
    if child("settings") is not None:
        parts["settings.xml"] = _part("document-settings", doc, [child("settings")])
    parts["META-INF/manifest.xml"] = _manifest(sorted(parts))
    return parts


def _manifest(files: list[str]) -> bytes:
    m = f"{{{MANIFEST}}}"
    root = etree.Element(f"{m}manifest", nsmap={"manifest": MANIFEST})
    root.set(f"{m}version", "1.3")
    entries = [("/", MIMETYPE)] + [(name, "text/xml") for name in files]
    for path, media in entries:
        entry = etree.SubElement(root, f"{m}file-entry")
        entry.set(f"{m}full-path", path)
        if path == "/":
            entry.set(f"{m}version", "1.3")
        entry.set(f"{m}media-type", media)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_odt(source: bytes) -> bytes:
    """Zip the parts; ``mimetype`` first and stored, as ODF requires."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("mimetype", _FIXED_DATE)
        info.compress_type = zipfile.ZIP_STORED
        archive.writestr(info, MIMETYPE)
        for name, data in sorted(split_fodt(source).items()):
            info = zipfile.ZipInfo(name, _FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report out-of-date templates"
    )
    parser.add_argument("--src", type=Path, default=SOURCE_DIR)
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args(argv)
    sources = sorted(args.src.glob("*.fodt"))
    if not sources:
        print(f"no .fodt sources in {args.src}", file=sys.stderr)
        return 2
    stale = []
    for source in sources:
        target = args.out / f"{source.stem}.odt"
        built = build_odt(source.read_bytes())
        if target.is_file() and target.read_bytes() == built:
            continue
        stale.append(target)
        if not args.check:
            args.out.mkdir(parents=True, exist_ok=True)
            target.write_bytes(built)
            print(f"wrote {target}")
    if args.check and stale:
        for target in stale:
            print(f"out of date: {target}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
