"""Whitelist checker for uploaded ODT templates (py3o.template).

py3o.template turns an ODT into a Genshi template, and Genshi evaluates Python
expressions: a template is code.  Before any template is filled (at upload and
again right before rendering, whoever uploaded it) :func:`check_odt` reads the
archive and every part py3o templates, and accepts only:

* ``py3o://for="x in <list>"`` / ``py3o:///for`` hyperlinks (or text inputs),
  where ``<list>`` is a documented list of the document type;
* ``py3o://if="<condition>"`` / ``py3o:///if``, the condition built from
  documented names, constants, comparisons, ``and`` / ``or`` / ``not``;
* ``py3o.<dotted.name>`` user fields naming documented data;

and refuses everything else: calls, subscripts, names starting with ``_``,
other py3o instructions (``function``, ``content``, ``attrs``, ...), images,
raw Genshi markup (``py:`` attributes, ``${...}`` / ``$name`` interpolation,
``<?python ?>``), XInclude, DTDs and entities, macros.  It also bounds the
archive (members, uncompressed size, compression ratio) and each XML part
(depth, elements), with a streaming parse, so that a bomb is refused before
py3o or LibreOffice sees it.

The names a document type documents (:data:`SCHEMAS`) are those the core's
data builders provide (``documents.dispatch_data``, ``documents.form_data``,
``summary.summary_template_data``); ``tests/test_template_check.py`` checks
that every shipped template passes and that the builders' output fits.

Problems raise :class:`TemplateRejected` (a ``RenderError``) whose ``rule``
says which kind of problem it is and ``directive`` names the directive.
"""

from __future__ import annotations

import ast
import io
import re
import urllib.parse
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from vcsurvey.forms import INCIDENT_FIELDS, OPERATOR_FIELDS

# --------------------------------------------------------------- limits ---
MAX_MEMBERS = 300
MAX_TOTAL_SIZE = 64 * 1024 * 1024  # uncompressed bytes of the whole archive
MAX_RATIO = 100  # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_DEPTH = 100  # XML nesting of one part
MAX_ELEMENTS = 200_000  # elements of one XML part
_CHUNK = 64 * 1024

# Parts py3o.template fills (py3o.template.main.Template.templated_files).
TEMPLATED_PARTS = ("content.xml", "styles.xml", "META-INF/manifest.xml")
_GENSHI_URI = "http://genshi.edgewall.org/"
_XINCLUDE_URIS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
# Elements or attributes of these namespaces are directives to Genshi.
_CODE_NAMESPACES = tuple(f"{{{uri}}}" for uri in (_GENSHI_URI, *_XINCLUDE_URIS))
_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "script": "urn:oasis:names:tc:opendocument:xmlns:script:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
}
_HREF = f"{{{_NS['xlink']}}}href"
_TEXT_NAME = f"{{{_NS['text']}}}name"
_TEXT_DESCRIPTION = f"{{{_NS['text']}}}description"
_DRAW_NAME = f"{{{_NS['draw']}}}name"
_LINK_TAGS = {f"{{{_NS['text']}}}a", f"{{{_NS['text']}}}text-input"}
_FIELD_GET = f"{{{_NS['text']}}}user-field-get"
_FIELD_DECL = f"{{{_NS['text']}}}user-field-decl"
# office:scripts is always there (empty) in a file LibreOffice saved; what
# would run is an office:script inside it or an event listener.
_SCRIPT_TAGS = {
    f"{{{_NS['office']}}}script",
    f"{{{_NS['script']}}}event-listener",
    f"{{{_NS['text']}}}execute-macro",
}
# Genshi interpolates "${expr}" and "$name" in text and attribute values;
# "$$" is a literal dollar.
_INTERPOLATION = re.compile(r"\$(\$|\{|[A-Za-z_])")
_MACRO_DIRS = ("Basic/", "Scripts/")


class TemplateRejected(Exception):
    """A template holds something that may not be filled.

    ``rule`` is one of ``archive`` (size, members, corrupt), ``xml`` (depth,
    elements, DTD, not well-formed), ``markup`` (raw Genshi markup, macros,
    external links), ``instruction`` (a py3o instruction other than for/if),
    ``expression`` (an expression outside the grammar), ``name`` (a name the
    document type does not document), ``structure`` (unbalanced for/if);
    ``directive`` is the offending directive as written (may be empty).
    """

    def __init__(self, rule: str, detail: str, directive: str = "") -> None:
        self.rule = rule
        self.detail = detail
        self.directive = directive
        where = f"directive {directive!r}: " if directive else ""
        super().__init__(where + detail)


# -------------------------------------------------------------- schemas ---
@dataclass(frozen=True)
class Seq:
    """A list whose items have the shape ``item``."""

    item: Shape


class _Any:
    """A value of unknown shape (attributes allowed, never ``_`` ones)."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
LEAF: None = None  # a printable value (text, number, date)
Shape = None | _Any | Seq | Mapping[str, "Shape"]

TEXTS = Seq(LEAF)


def _leaves(*names: str) -> dict[str, Shape]:
    return dict.fromkeys(names, LEAF)


DISPATCH_SCHEMA: dict[str, Shape] = {
    **_leaves(
        "parent_agency",
        "agency",
        "number_line",
        "date_line",
        "subject_line",
        "closing",
        "signer_authority",
        "signer_position",
        "signer_name",
        "subject",
        "number",
        "notation",
        "date",
        "year",
        "deadline",
        "cutoff",
        "email",
        "province",
    ),
    "recipient_lines": TEXTS,
    "legal_bases": TEXTS,
    "body": TEXTS,
    "cc_lines": TEXTS,
    "forms": TEXTS,
}
_FORM_ROW = _leaves("no", *(k for k, _, _ in OPERATOR_FIELDS + INCIDENT_FIELDS))
FORM_SCHEMA: dict[str, Shape] = {
    **_leaves(
        "form_type",
        "year",
        "province",
        "title",
        "audience",
        "issued_with",
        "unit_line",
        "preparer_title",
        "preparer_hint",
        "preparer_name",
        "head_title",
        "head_position",
        "head_hint",
        "head_name",
    ),
    "blocks": Seq(
        {**_leaves("kind", "text", "value", "code", "qcode"), "rows": Seq(_FORM_ROW)}
    ),
}
# One shape for the rows of every table of the summary: the union of the
# keys summary._part1 ... _operators give their rows.
_SUMMARY_ROW = _leaves(
    *"no unit location ip meetings endpoints without count reason device".split(),
    *"camera microphone audio vcs overall network endpoint symptom cause".split(),
    *"fix maintenance_i maintenance_ii training_i training_ii name".split(),
    *"position phone email s1 s2 u1 u2 n1 n2 a1 a2".split(),
)
_SUMMARY_LINES = (
    "recipient_lines intro response_lines part1_lines part2_lines communes_lines "
    "device_lines incident_lines need_lines centre_need_lines centre_lines "
    "efficiency_lines recommendation_lines operator_lines cc_lines"
).split()
_SUMMARY_ROWS = (
    "part1_rows part2_rows communes_rows device_rows incident_rows need_rows "
    "operator_rows"
).split()
SUMMARY_SCHEMA: dict[str, Shape] = {
    **_leaves(
        "parent_agency",
        "agency",
        "number_line",
        "date_line",
        "doc_type",
        "subject",
        "next_year",
        "closing",
        "signer_authority",
        "signer_position",
        "signer_name",
    ),
    **dict.fromkeys(_SUMMARY_LINES, TEXTS),
    **dict.fromkeys(_SUMMARY_ROWS, Seq(_SUMMARY_ROW)),
    "totals": _leaves(
        "meetings_i",
        "meetings_ii",
        "endpoints",
        "without",
        "incidents",
        "maintenance_i",
        "maintenance_ii",
        "training_i",
        "training_ii",
    ),
}
SCHEMAS: dict[str, Mapping[str, Shape]] = {
    "dispatch": DISPATCH_SCHEMA,
    "form": FORM_SCHEMA,
    "summary": SUMMARY_SCHEMA,
}


def shape_of(value: Any) -> Shape:
    """The shape of plain data (the names a template may use to read it)."""
    if isinstance(value, Mapping):
        return {str(k): shape_of(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        item: Shape = ANY
        for element in value:
            item = (
                _merge(item, shape_of(element))
                if item is not ANY
                else shape_of(element)
            )
        return Seq(item)
    return LEAF


def _merge(a: Shape, b: Shape) -> Shape:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        keys = set(a) | set(b)
        return {k: _merge(a.get(k, b.get(k)), b.get(k, a.get(k))) for k in keys}
    if isinstance(a, Seq) and isinstance(b, Seq):
        return Seq(_merge(a.item, b.item))
    return a if a == b else ANY


def fits(data_shape: Shape, schema: Shape) -> list[str]:
    """Paths of ``data_shape`` that ``schema`` does not document."""
    if schema is ANY:
        return []
    if isinstance(data_shape, Mapping):
        if not isinstance(schema, Mapping):
            return ["(mapping)"]
        out = []
        for key, sub in data_shape.items():
            if key not in schema:
                out.append(key)
            else:
                out += [f"{key}.{p}" for p in fits(sub, schema[key])]
        return out
    if isinstance(data_shape, Seq):
        if not isinstance(schema, Seq):
            return ["(list)"]
        if data_shape.item is ANY:
            return []
        return [f"[]{'.' + p if p else ''}" for p in fits(data_shape.item, schema.item)]
    return [] if schema is LEAF or data_shape is ANY else ["(value)"]


# ---------------------------------------------------------- expressions ---
_COMPARE_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)


class _Checker:
    def __init__(
        self, schema: Mapping[str, Shape], label: str, seen: list[str]
    ) -> None:
        self.schema = schema
        self.label = label
        self.seen = seen
        self.scopes: list[tuple[str, str, Shape]] = []  # (kind, var, shape)

    # names -----------------------------------------------------------
    def _lookup(self, name: str) -> tuple[bool, Shape]:
        for _kind, var, shape in reversed(self.scopes):
            if var == name:
                return True, shape
        if name in self.schema:
            return True, self.schema[name]
        return False, LEAF

    def _dotted(self, node: ast.expr, directive: str) -> Shape:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise TemplateRejected(
                "expression", "only dotted data names are allowed here", directive
            )
        parts.append(node.id)
        parts.reverse()
        for part in parts:
            if part.startswith("_"):
                raise TemplateRejected(
                    "expression", f"the name {part!r} starts with '_'", directive
                )
        found, shape = self._lookup(parts[0])
        if not found:
            raise TemplateRejected(
                "name", f"{parts[0]!r} is not data of this document type", directive
            )
        for index, part in enumerate(parts[1:], start=1):
            if shape is ANY:
                continue
            if not isinstance(shape, Mapping) or part not in shape:
                path = ".".join(parts[: index + 1])
                raise TemplateRejected(
                    "name", f"{path!r} is not data of this document type", directive
                )
            shape = shape[part]
        return shape

    def _parse(self, source: str, directive: str) -> ast.expr:
        try:
            return ast.parse(source.strip(), mode="eval").body
        except (SyntaxError, ValueError) as exc:
            raise TemplateRejected(
                "expression", f"not a valid expression ({exc.msg})", directive
            ) from None

    def _condition(self, node: ast.expr, directive: str) -> None:
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self._condition(value, directive)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self._condition(node.operand, directive)
        elif isinstance(node, ast.Compare):
            if not all(isinstance(op, _COMPARE_OPS) for op in node.ops):
                raise TemplateRejected(
                    "expression", "this comparison is not allowed", directive
                )
            for operand in (node.left, *node.comparators):
                self._operand(operand, directive)
        else:
            self._operand(node, directive)

    def _operand(self, node: ast.expr, directive: str) -> None:
        if isinstance(node, ast.Constant) and (
            node.value is None or isinstance(node.value, str | int | float | bool)
        ):
            return
        if isinstance(node, ast.Name | ast.Attribute):
            self._dotted(node, directive)
            return
        raise TemplateRejected(
            "expression",
            "only data names, constants, comparisons, and/or/not are allowed",
            directive,
        )

    # directives ------------------------------------------------------
    def field(self, expression: str, directive: str, resolve: bool = True) -> None:
        if resolve:
            self.seen.append(directive)
        node = self._parse(expression, directive)
        if not isinstance(node, ast.Name | ast.Attribute):
            raise TemplateRejected(
                "expression", "a field shows one dotted data name", directive
            )
        if not resolve:
            if any(p.startswith("_") for p in expression.strip().split(".")):
                raise TemplateRejected(
                    "expression", "a name starts with '_'", directive
                )
            return
        shape = self._dotted(node, directive)
        if isinstance(shape, Seq | Mapping):
            raise TemplateRejected(
                "name", "a field cannot show a list or a group of data", directive
            )

    def link(self, value: str, directive: str) -> None:
        self.seen.append(directive)
        statement = urllib.parse.unquote(value)[len("py3o://") :]
        if statement.startswith("/"):
            kind = statement[1:].strip()
            if kind not in ("for", "if"):
                raise TemplateRejected(
                    "instruction", "only /for and /if close a block", directive
                )
            if not self.scopes:
                raise TemplateRejected("structure", "nothing to close", directive)
            if self.scopes[-1][0] != kind:
                raise TemplateRejected(
                    "structure",
                    f"closes a {kind} block while a {self.scopes[-1][0]} is open",
                    directive,
                )
            self.scopes.pop()
            return
        instruction, sep, argument = statement.partition("=")
        instruction = instruction.strip()
        if not sep or instruction not in ("for", "if"):
            raise TemplateRejected(
                "instruction",
                "only the for and if instructions are allowed",
                directive,
            )
        argument = argument.strip().strip('"')
        if instruction == "if":
            self._condition(self._parse(argument, directive), directive)
            self.scopes.append(("if", "", LEAF))
            return
        target, in_, iterable = argument.partition(" in ")
        target = target.strip()
        if not in_ or not target.isidentifier() or target.startswith("_"):
            raise TemplateRejected(
                "expression", 'a loop reads "name in list"', directive
            )
        node = self._parse(iterable, directive)
        if not isinstance(node, ast.Name | ast.Attribute):
            raise TemplateRejected(
                "expression", "a loop runs over one dotted data name", directive
            )
        shape = self._dotted(node, directive)
        if shape is ANY:
            item: Shape = ANY
        elif isinstance(shape, Seq):
            item = shape.item
        else:
            raise TemplateRejected(
                "name", "a loop runs over a list of the data", directive
            )
        self.scopes.append(("for", target, item))

    def finish(self, part: str) -> None:
        if self.scopes:
            kind = self.scopes[-1][0]
            raise TemplateRejected(
                "structure", f"a {kind} block of {part} is never closed", ""
            )


# --------------------------------------------------------------- archive ---
def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, read in chunks and stopped at the limits."""
    limit = budget
    if info.compress_size and info.file_size > RATIO_FLOOR:
        limit = min(limit, max(RATIO_FLOOR, info.compress_size * MAX_RATIO))
    chunks = []
    size = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > budget:
                raise TemplateRejected(
                    "archive",
                    f"it unpacks to more than {MAX_TOTAL_SIZE // (1024 * 1024)} MB",
                    info.filename,
                )
            if size > limit:
                raise TemplateRejected(
                    "archive",
                    f"member {info.filename} is compressed more than "
                    f"{MAX_RATIO} to 1",
                    info.filename,
                )
            chunks.append(chunk)
    return b"".join(chunks)


def _members(raw: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TemplateRejected("archive", f"not a valid zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise TemplateRejected("archive", f"it has more than {MAX_MEMBERS} members")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_TOTAL_SIZE:
            raise TemplateRejected(
                "archive",
                f"it unpacks to more than {MAX_TOTAL_SIZE // (1024 * 1024)} MB",
            )
        out: dict[str, bytes] = {}
        budget = MAX_TOTAL_SIZE
        for info in infos:
            name = info.filename
            if name.startswith(_MACRO_DIRS):
                raise TemplateRejected("markup", "it contains macros", name)
            if info.is_dir():
                continue
            try:
                data = _read_member(archive, info, budget)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise TemplateRejected(
                    "archive", f"member {name} is damaged ({exc})", name
                ) from None
            except RuntimeError as exc:  # encrypted member
                raise TemplateRejected("archive", str(exc), name) from None
            budget -= len(data)
            out[name] = data
    return out


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rdf"))


# ------------------------------------------------------------------ xml ---
def _check_xml(name: str, data: bytes, checker: _Checker | None) -> None:
    """Stream-parse one XML part within the limits; with a ``checker``
    (a part py3o fills) read its directives and refuse raw Genshi markup."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise TemplateRejected("xml", f"{name} declares a DTD or entities", name)
    parser = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end", "pi"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    depth = 0
    elements = 0
    try:
        for event, element in parser:
            if event == "pi":
                if checker is not None:
                    raise TemplateRejected(
                        "markup",
                        "processing instructions are not allowed",
                        f"<?{element.target} …?>",
                    )
                continue
            if event == "start":
                depth += 1
                elements += 1
                if depth > MAX_DEPTH:
                    raise TemplateRejected(
                        "xml", f"{name} is nested deeper than {MAX_DEPTH} levels", name
                    )
                if elements > MAX_ELEMENTS:
                    raise TemplateRejected(
                        "xml", f"{name} has more than {MAX_ELEMENTS} elements", name
                    )
                if checker is not None:
                    _check_start(element, checker)
                continue
            # end: text and the children's tails are complete now
            depth -= 1
            if checker is not None:
                _check_text(element.text)
                for child in element:
                    _check_text(child.tail)
            # keep memory flat: what was read is no longer needed
            for child in list(element):
                element.remove(child)
    except etree.XMLSyntaxError as exc:
        raise TemplateRejected("xml", f"{name} is not well-formed XML ({exc})", name)
    if checker is not None:
        checker.finish(name)


def _check_text(text: str | None) -> None:
    if not text or "$" not in text:
        return
    match = _INTERPOLATION.search(text)
    while match and match.group(1) == "$":  # "$$" prints one "$"
        match = _INTERPOLATION.search(text, match.end())
    if match:
        snippet = text[match.start() : match.start() + 40]
        raise TemplateRejected(
            "markup", "'$' expressions are not allowed in a template", snippet
        )


def _check_start(element: Any, checker: _Checker) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith(_CODE_NAMESPACES):
        raise TemplateRejected("markup", "Genshi or XInclude elements", tag)
    if tag in _SCRIPT_TAGS:
        raise TemplateRejected("markup", "scripts and event macros", tag)
    for key, value in element.attrib.items():
        if key.startswith(
            (f"{{{_GENSHI_URI}}}", *(f"{{{u}}}" for u in _XINCLUDE_URIS))
        ):
            raise TemplateRejected("markup", "Genshi or XInclude attributes", key)
        _check_text(value)
    href = element.get(_HREF)
    if href is not None and tag not in _LINK_TAGS and _external(href):
        # linked sections, images or objects would make LibreOffice read
        # files or URLs while converting
        raise TemplateRejected("markup", "links to outside files are not allowed", href)
    if tag in _LINK_TAGS:
        for attribute in (_HREF, _TEXT_DESCRIPTION):
            value = element.get(attribute)
            if value and value.lower().startswith("py3o:"):
                checker.link(value, value)
    elif tag in (_FIELD_GET, _FIELD_DECL):
        value = element.get(_TEXT_NAME) or ""
        if value.startswith("py3o."):
            # a declaration is only read for its type, and loop variables
            # are not in scope where the declarations sit: grammar only
            checker.field(value[len("py3o.") :], value, resolve=tag == _FIELD_GET)
    draw_name = element.get(_DRAW_NAME) or ""
    if draw_name.lower().startswith("py3o"):
        raise TemplateRejected("instruction", "py3o images are not allowed", draw_name)


def _external(href: str) -> bool:
    href = href.strip()
    if not href or href.startswith("#"):
        return False
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) or href.startswith(("/", "\\")):
        return True
    return ".." in href.replace("\\", "/").split("/")


# ------------------------------------------------------------------ api ---
def check_odt(
    raw: bytes,
    schema: Mapping[str, Shape],
    *,
    label: str = "",
) -> list[str]:
    """Check an ODT template against the names of ``schema``.

    Returns the directives read (for tests and logs); raises
    :class:`TemplateRejected` at the first problem.
    """
    members = _members(raw)
    seen: list[str] = []
    for name, data in members.items():
        if not _is_xml(name):
            continue
        checker = _Checker(schema, label, seen) if name in TEMPLATED_PARTS else None
        _check_xml(name, data, checker)
    return seen


def check_template(raw: bytes, document_type: str, *, label: str = "") -> list[str]:
    """:func:`check_odt` with the documented names of ``document_type``."""
    try:
        schema = SCHEMAS[document_type]
    except KeyError:
        raise TemplateRejected(
            "name", f"unknown document type {document_type!r}"
        ) from None
    return check_odt(raw, schema, label=label)


__all__: Sequence[str] = (
    "ANY",
    "SCHEMAS",
    "Seq",
    "TemplateRejected",
    "check_odt",
    "check_template",
    "fits",
    "shape_of",
)
