"""Document rendering engine: py3o.template fills an ODT, LibreOffice converts it.

Two edge functions touch the outside world:

* :func:`render_odt` fills an ODT template (a path or its bytes) with plain
  data through py3o.template (``escape_false=True``: a value that is false
  prints nothing instead of "False"/"None").
* :func:`convert` turns many ODT documents into PDF, DOCX or ODT with a single
  LibreOffice start (starting soffice costs seconds, converting a page costs
  a fraction of that), in a throwaway user profile so that several
  conversions may run side by side.

Every failure raises :class:`RenderError`, whose message names the template
or document and says why; for a failed conversion it carries LibreOffice's
own output.
"""

from __future__ import annotations

import base64
import glob
import io
import json
import logging
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_logger = logging.getLogger(__name__)

FORMATS = ("pdf", "docx", "odt")
# Export filters by target format; the generic "--convert-to pdf" would pick
# the Draw/Impress exporter for some inputs, naming the Writer one avoids it.
_FILTERS = {
    "pdf": "pdf:writer_pdf_Export",
    "docx": "docx:MS Word 2007 XML",
    "odt": "odt:writer8",
}
# An ODT that py3o.template can fill must have these three parts.
_REQUIRED_PARTS = ("content.xml", "styles.xml", "META-INF/manifest.xml")
# Where LibreOffice usually lives when it is not on PATH.
_SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice*/program/soffice",
    "/snap/bin/libreoffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
SOFFICE_ENV = "VCSURVEY_SOFFICE"
RENDER_TIMEOUT_ENV = "VCSURVEY_RENDER_TIMEOUT"
RENDER_MEMORY_ENV = "VCSURVEY_RENDER_MEMORY_MB"
# A cold soffice start takes 2–10 s; each page of a form well under a second.
_BASE_TIMEOUT = 90.0
_PER_DOCUMENT_TIMEOUT = 20.0


class RenderError(Exception):
    """A template could not be filled or a document could not be converted."""


def render_odt(
    template: str | Path | bytes,
    data: Mapping[str, Any],
    *,
    name: str = "",
    schema: Mapping[str, Any] | None = None,
) -> bytes:
    """Fill ``template`` (path or ODT bytes) with ``data``; return ODT bytes.

    The template is checked first (:mod:`vcsurvey.template_check`) against
    ``schema``, the names its document type documents (default: the names
    ``data`` holds); it is then filled in a child process with a time and
    memory limit, see :func:`render_odts`.
    """
    return render_odts([(template, data, name, schema)])[0]


def render_odts(
    jobs: Sequence[
        tuple[str | Path | bytes, Mapping[str, Any], str, Mapping[str, Any] | None]
    ],
    *,
    timeout: float | None = None,
) -> list[bytes]:
    """Fill every (template, data, name, schema) of ``jobs`` in one child.

    py3o and Genshi run in a separate Python process limited in memory
    (``$VCSURVEY_RENDER_MEMORY_MB``, default 1024) and time
    (``$VCSURVEY_RENDER_TIMEOUT`` seconds per document, default 30), so that
    a template that exhausts either never takes the calling process (the
    Odoo server) down: the child dies and a RenderError says so.
    """
    from vcsurvey import template_check
    from vcsurvey.validators import clean_data

    loaded = []
    for template, data, name, schema in jobs:
        label, raw = _load_template(template, name)
        names = template_check.shape_of(data) if schema is None else schema
        try:
            template_check.check_odt(raw, names, label=label)  # type: ignore[arg-type]
        except template_check.TemplateRejected as exc:
            raise RenderError(f"template {label} is refused: {exc}") from exc
        # whatever slipped past the answers' checks cannot break the XML
        loaded.append((raw, clean_data(dict(data)), label))
    if not loaded:
        return []
    return _fill_in_child(loaded, timeout)


def _render_limits() -> tuple[float, int]:
    try:
        per_document = float(os.environ.get(RENDER_TIMEOUT_ENV) or 30)
    except ValueError:
        per_document = 30.0
    try:
        memory_mb = int(os.environ.get(RENDER_MEMORY_ENV) or 1024)
    except ValueError:
        memory_mb = 1024
    return per_document, memory_mb


def _fill_in_child(
    loaded: list[tuple[bytes, dict[str, Any], str]], timeout: float | None
) -> list[bytes]:
    per_document, memory_mb = _render_limits()
    if timeout is None:
        # one document's budget more for the child's start
        timeout = per_document * (len(loaded) + 1)
    labels = [label for _raw, _data, label in loaded]
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, env.get("PYTHONPATH", "")) if p
    )
    payload = pickle.dumps(
        {"jobs": loaded, "memory_mb": memory_mb, "cpu_seconds": int(timeout) + 1}
    )
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "vcsurvey._render_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise RenderError(f"the template renderer could not start: {exc}") from exc
    try:
        stdout, stderr = process.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise RenderError(
            f"filling {_names(labels)} took longer than {timeout:.0f} s and was "
            "stopped; the template is too large or too complex"
        ) from None
    if process.returncode != 0:
        cause = (
            f"signal {-process.returncode}"
            if process.returncode < 0
            else f"exit code {process.returncode}"
        )
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise RenderError(
            f"filling {_names(labels)} stopped ({cause}): the template exceeds "
            f"the renderer's memory ({memory_mb} MB) or time limit"
            + (f" [{tail[0][:200]}]" if tail else "")
        )
    try:
        answer = json.loads(stdout)
    except ValueError as exc:
        raise RenderError(
            f"the template renderer answered garbage for {_names(labels)}"
        ) from exc
    if "error" in answer:
        raise RenderError(str(answer["error"]))
    return [base64.b64decode(item) for item in answer["documents"]]


def fill_in_process(raw: bytes, data: Mapping[str, Any], label: str) -> bytes:
    """py3o.template in this process (the child's half of render_odts)."""
    # py3o leaves its output zip open when rendering fails; on a BytesIO that
    # zip's finaliser would later trip over the closed buffer, on a file of
    # its own it closes cleanly.
    with tempfile.TemporaryDirectory(prefix="vcsurvey-py3o-") as tmp:
        target = Path(tmp) / "rendered.odt"
        _fill(raw, target, data, label)
        return target.read_bytes()


def _fill(raw: bytes, target: Path, data: Mapping[str, Any], label: str) -> None:
    """py3o.template with escape_false; its errors become RenderError."""
    # Imported here so that the conversion half of this module works (and
    # its error messages show) even where py3o.template is not installed.
    from genshi.template.base import TemplateSyntaxError  # type: ignore[import-untyped]
    from genshi.template.eval import UndefinedError  # type: ignore[import-untyped]
    from py3o.template import Template  # type: ignore[import-untyped]
    from py3o.template.main import TemplateException  # type: ignore[import-untyped]

    try:
        template_obj = Template(io.BytesIO(raw), str(target), escape_false=True)
        template_obj.render(dict(data))
    except UndefinedError as exc:
        raise RenderError(
            f"template {label}: a directive refers to data that is absent "
            f"({exc}); the template and the data do not match"
        ) from exc
    except TemplateSyntaxError as exc:
        raise RenderError(
            f"template {label}: syntax error in a py3o directive ({exc})"
        ) from exc
    except TemplateException as exc:
        raise RenderError(f"template {label}: bad py3o directive ({exc})") from exc
    except RenderError:
        raise
    except Exception as exc:  # py3o/genshi/lxml raise a zoo of types
        raise RenderError(
            f"template {label}: could not be filled ({type(exc).__name__}: {exc})"
        ) from exc


def _load_template(template: str | Path | bytes, name: str) -> tuple[str, bytes]:
    """Read and sanity-check the template; return (label, bytes)."""
    if isinstance(template, bytes | bytearray):
        label = repr(name or "<template bytes>")
        raw = bytes(template)
    else:
        path = Path(template)
        label = repr(name or path.name)
        if not path.is_file():
            raise RenderError(f"template {label} not found: {path} does not exist")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise RenderError(f"template {label} cannot be read: {exc}") from exc
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise RenderError(
            f"template {label} is not an ODT document (not a zip archive)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            missing = [p for p in _REQUIRED_PARTS if p not in names]
            if missing:
                raise RenderError(
                    f"template {label} is not an ODT document: it has no "
                    + ", ".join(missing)
                )
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise RenderError(f"template {label} is a corrupt zip archive: {exc}") from exc
    if bad is not None:
        raise RenderError(f"template {label} is corrupt: member {bad} is damaged")
    return label, raw


def soffice_binary() -> str:
    """Path of the LibreOffice executable (``$VCSURVEY_SOFFICE`` first)."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        found = shutil.which(configured)
        if not found:
            raise RenderError(
                f"LibreOffice not found: {SOFFICE_ENV}={configured!r} is not an "
                "executable"
            )
        return found
    for command in ("soffice", "libreoffice"):
        found = shutil.which(command)
        if found:
            return found
    for pattern in _SOFFICE_CANDIDATES:
        for candidate in sorted(glob.glob(pattern)):
            if os.access(candidate, os.X_OK):
                return candidate
    raise RenderError(
        "LibreOffice (soffice) not found; install it, e.g. on Debian "
        "'apt-get install libreoffice-writer-nogui fonts-liberation2', "
        f"or point {SOFFICE_ENV} at the soffice executable"
    )


def convert(
    documents: Mapping[str, bytes], fmt: str, *, timeout: float | None = None
) -> dict[str, bytes]:
    """Convert every ODT in ``documents`` to ``fmt`` in one soffice start.

    Keys are the caller's names (used in error messages); the result has the
    same keys.  ``timeout`` defaults to a budget growing with the batch.
    """
    if fmt not in FORMATS:
        raise RenderError(
            f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}"
        )
    if not documents:
        return {}
    binary = soffice_binary()
    if timeout is None:
        timeout = _BASE_TIMEOUT + _PER_DOCUMENT_TIMEOUT * len(documents)
    with tempfile.TemporaryDirectory(prefix="vcsurvey-soffice-") as tmp:
        work = Path(tmp)
        indir, outdir = work / "in", work / "out"
        indir.mkdir()
        outdir.mkdir()
        # Numbered ASCII stems: the caller's names may collide once made
        # file-safe, or carry characters LibreOffice mangles in output names.
        stems: dict[str, str] = {}
        for index, (key, odt) in enumerate(documents.items()):
            stem = f"{index:04d}-{_safe_stem(key)}"
            (indir / f"{stem}.odt").write_bytes(odt)
            stems[key] = stem
        command = [
            binary,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            _FILTERS[fmt],
            "--outdir",
            str(outdir),
            *(str(indir / f"{stem}.odt") for stem in stems.values()),
        ]
        output = _run_soffice(command, timeout, list(documents))
        results: dict[str, bytes] = {}
        failed: list[str] = []
        for key, stem in stems.items():
            target = outdir / f"{stem}.{fmt}"
            if target.is_file() and target.stat().st_size > 0:
                results[key] = target.read_bytes()
            else:
                failed.append(key)
        if failed:
            raise RenderError(
                f"LibreOffice did not convert {_names(failed)} to {fmt} "
                f"(no output or empty output). LibreOffice said: {output}"
            )
    return results


def convert_one(odt: bytes, fmt: str, name: str = "document") -> bytes:
    """Convert one ODT document; see :func:`convert`."""
    return convert({name: odt}, fmt)[name]


def _run_soffice(command: list[str], timeout: float, keys: list[str]) -> str:
    """Run soffice, return its combined output; RenderError on failure."""
    env = dict(os.environ)
    # soffice wants a HOME even with an explicit profile; a service (Odoo
    # under systemd) may run without one.
    env.setdefault("HOME", tempfile.gettempdir())
    try:
        # A session of its own so that a timeout kills oosplash and
        # soffice.bin together rather than leaving an orphan behind.
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except OSError as exc:
        raise RenderError(
            f"LibreOffice could not be started to convert {_names(keys)} "
            f"({command[0]}): {exc}"
        ) from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        raise RenderError(
            f"LibreOffice timed out after {timeout:.0f} s converting "
            f"{_names(keys)}. LibreOffice said: {_describe(stdout, stderr)}"
        ) from None
    said = _describe(stdout, stderr)
    if process.returncode != 0:
        raise RenderError(
            f"LibreOffice failed (exit code {process.returncode}) converting "
            f"{_names(keys)}. LibreOffice said: {said}"
        )
    return said


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _describe(stdout: bytes, stderr: bytes) -> str:
    parts = []
    for label, stream in (("stderr", stderr), ("stdout", stdout)):
        text = stream.decode("utf-8", "replace").strip()
        if text:
            parts.append(f"[{label}] {text}")
    return " ".join(parts) or "(nothing)"


def _names(keys: list[str]) -> str:
    shown = ", ".join(repr(k) for k in keys[:5])
    return shown + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _safe_stem(key: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", key)[:40].strip("_")
    return stem or "doc"


# --------------------------------------------------------------------------
# Several formats from one LibreOffice start
# --------------------------------------------------------------------------
# "--convert-to" takes one format per start. To get PDF and DOCX from one
# start (one layout of a long document instead of two) soffice runs a Basic
# macro of its own profile that loads each ODT once and stores it in every
# format. LibreOffice replaces the macros of a brand-new profile with its
# presets, so a profile is initialised once per process and copied for each
# run (each run keeps its own throwaway profile: parallel runs stay safe).
_MACRO = """Sub VcConvert(inUrls As String, outBases As String, filters As String)
  On Error GoTo Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  Dim store(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden"
  load(0).Value = True
  store(0).Name = "FilterName"
  ins = Split(inUrls, "|")
  outs = Split(outBases, "|")
  formats = Split(filters, ";")
  For i = 0 To UBound(ins)
    doc = StarDesktop.loadComponentFromURL(ins(i), "_blank", 0, load())
    For j = 0 To UBound(formats)
      parts = Split(formats(j), "=")
      store(0).Value = parts(1)
      doc.storeToURL(outs(i) &amp; "." &amp; parts(0), store())
    Next j
    doc.close(True)
  Next i
  StarDesktop.terminate()
  Exit Sub
Failed:
  ' never leave a dialog waiting in a headless process
  n = FreeFile()
  Open ConvertFromURL(outs(0)) &amp; ".error" For Output As #n
  Print #n, Erl, Error$
  Close #n
  StarDesktop.terminate()
End Sub"""
_MODULE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
    '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
    '<script:module xmlns:script="http://openoffice.org/2000/script" '
    'script:name="Module1" script:language="StarBasic">'
    f"{_MACRO}</script:module>"
)
_profile_template: Path | None = None


def _soffice_base(binary: str, profile: Path) -> list[str]:
    return [
        binary,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
    ]


def _macro_profile(binary: str) -> Path:
    """A LibreOffice profile holding the conversion macro (made once)."""
    global _profile_template  # noqa: PLW0603 — one per process
    if _profile_template and (_profile_template / "user" / "basic").is_dir():
        return _profile_template
    root = Path(tempfile.mkdtemp(prefix="vcsurvey-soffice-profile-"))
    _run_soffice(
        [*_soffice_base(binary, root), "--terminate_after_init"],
        _BASE_TIMEOUT,
        ["(profile)"],
    )
    module = root / "user" / "basic" / "Standard" / "Module1.xba"
    if not module.parent.is_dir():
        raise RenderError("LibreOffice did not create its profile's macro library")
    module.write_text(_MODULE, encoding="utf-8")
    _profile_template = root
    return root


def convert_formats(
    documents: Mapping[str, bytes],
    fmts: Sequence[str],
    *,
    timeout: float | None = None,
) -> dict[str, dict[str, bytes]]:
    """Convert every ODT of ``documents`` to every format of ``fmts`` (pdf,
    docx) in ONE soffice start: {key: {fmt: bytes}}. Each document is laid
    out once. Falls back to one :func:`convert` per format if the macro
    produced nothing (e.g. a LibreOffice without Basic)."""
    fmts = [f for f in fmts if f in ("pdf", "docx")]  # odt is the input
    if not documents or not fmts:
        return {key: {} for key in documents}
    binary = soffice_binary()
    if timeout is None:
        timeout = _BASE_TIMEOUT + _PER_DOCUMENT_TIMEOUT * len(documents) * len(fmts)
    with tempfile.TemporaryDirectory(prefix="vcsurvey-soffice-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        shutil.copytree(_macro_profile(binary), profile)
        stems = {}
        for index, (key, odt) in enumerate(documents.items()):
            stems[key] = f"{index:04d}-{_safe_stem(key)}"
            (work / f"{stems[key]}.odt").write_bytes(odt)
        filters = ";".join(f"{fmt}={_FILTERS[fmt].split(':', 1)[1]}" for fmt in fmts)
        ins = "|".join((work / f"{s}.odt").as_uri() for s in stems.values())
        outs = "|".join((work / "out" / s).as_uri() for s in stems.values())
        (work / "out").mkdir()
        macro = f'macro:///Standard.Module1.VcConvert("{ins}","{outs}","{filters}")'
        output = _run_soffice(
            [*_soffice_base(binary, profile), macro], timeout, list(documents)
        )
        results: dict[str, dict[str, bytes]] = {}
        for key, stem in stems.items():
            results[key] = {}
            for fmt in fmts:
                target = work / "out" / f"{stem}.{fmt}"
                if target.is_file() and target.stat().st_size > 0:
                    results[key][fmt] = target.read_bytes()
    missing = [f for f in fmts if any(f not in r for r in results.values())]
    if missing:
        _logger.warning(
            "one-start conversion produced no %s (LibreOffice said: %s); "
            "converting once per format",
            ", ".join(missing),
            output,
        )
        for fmt in missing:
            for key, data in convert(documents, fmt).items():
                results[key][fmt] = data
    return results
