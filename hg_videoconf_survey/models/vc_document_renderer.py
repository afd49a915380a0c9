"""The bridge between the records' plain data and the core's renderer.

The core's ``render_dispatch`` / ``render_form`` / ``render_summary`` always
read the shipped templates (``vcsurvey.templates.template_path``); an
administrator may upload a replacement (``vc.document.template``), so this
adapter rebuilds those few steps from the core's public pieces (template
data, ``render_odt``, ``convert``, ``merge_pdfs``, ``summary_workbook``) with
the template of our choice.  It also lets the archive print every PDF of a
round in a single LibreOffice start.
"""

import logging
import re
import unicodedata

from odoo import _, api, models
from odoo.exceptions import UserError

from vcsurvey import (
    documents,
    forms,
    generic,
    render,
    summary,
    template_check,
    templates,
)
from vcsurvey.consolidate import consolidate
from vcsurvey.template_check import SCHEMAS
from vcsurvey.xlsx import summary_workbook

from .vc_document_template import rejection_message

_logger = logging.getLogger(__name__)

TEMPLATE_FILES = {
    "dispatch": documents.DISPATCH_TEMPLATE,
    "form": documents.FORM_TEMPLATE,
    "summary": summary.SUMMARY_TEMPLATE,
}
MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def ascii_slug(text):
    """ "UBND huyện Đồng Văn" -> "UBND-huyen-Dong-Van" (file names stay ASCII)."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "document"


class VcDocumentRenderer(models.AbstractModel):
    _name = "vc.document.renderer"
    _description = "Document Renderer"

    # ------------------------------------------------------------------
    # templates
    # ------------------------------------------------------------------
    @api.model
    def _template(self, document_type):
        """(template, label): the uploaded ODT bytes, else the shipped path."""
        raw, label = self.env["vc.document.template"]._get_template(document_type)
        if raw:
            return raw, label
        filename = TEMPLATE_FILES[document_type]
        return templates.template_path(filename), filename

    @api.model
    def _fill(self, document_type, data):
        return self._fill_many(document_type, [data])[0]

    @api.model
    def _fill_many(self, document_type, data_list):
        """Fill the template of ``document_type`` once per data, in one child
        process; the template is checked against the names the type
        documents first, whoever uploaded it (vcsurvey.template_check)."""
        template, label = self._template(document_type)
        return render.render_odts(
            [(template, data, label, SCHEMAS[document_type]) for data in data_list]
        )

    # ------------------------------------------------------------------
    # ODT documents (no LibreOffice yet)
    # ------------------------------------------------------------------
    @api.model
    def _dispatch_odts(self, dispatch, with_forms=True):
        """{key: odt}: the dispatch first, then the blank forms it carries."""
        data = documents.dispatch_data(dispatch)
        odts = {"dispatch": self._fill("dispatch", data)}
        if with_forms:
            meta = documents.attached_form_meta(data)
            definitions = dispatch.get("form_definitions")
            if definitions is None:
                definitions = [
                    forms.get_form(form_type, forms.CURRENT_VERSION)
                    for form_type in data["forms"]
                ]
            for index, form in enumerate(definitions):
                odts[f"blank_{index}_{form.form_type}"] = self._fill(
                    "form", documents.form_data(form, None, meta)
                )
        return odts

    @api.model
    def _form_odt(self, form, answers, meta):
        return self._fill("form", documents.form_data(form, answers, meta))

    @api.model
    def _is_generic(self, forms):
        """Any version without the hand-written 2017 summary: generic report."""
        return any(
            getattr(form, "summary", "2017") != "2017"
            for form in (forms or {}).values()
        )

    @api.model
    def _summary_odt(self, round_data, meta, forms=None):
        if self._is_generic(forms):
            return generic.consolidate(round_data, forms), generic.render_summary(
                round_data, forms, meta, fmts=("odt",)
            )["odt"]
        consolidated = consolidate(round_data)
        return consolidated, self._fill(
            "summary", summary.summary_template_data(consolidated, meta)
        )

    # ------------------------------------------------------------------
    # outputs
    # ------------------------------------------------------------------
    @api.model
    def _convert(self, odts, fmt):
        """Every ODT of ``odts`` to ``fmt`` in one LibreOffice start."""
        if fmt == "odt":
            return dict(odts)
        return render.convert(odts, fmt)

    @api.model
    def _render_dispatch(self, dispatch, fmts=("odt", "docx", "pdf")):
        """The dispatch in ``fmts``; its PDF carries the blank forms."""
        with self._errors(_("the dispatch")):
            odts = self._dispatch_odts(dispatch, with_forms="pdf" in fmts)
            out = {}
            for fmt in fmts:
                if fmt == "pdf":
                    pdfs = self._convert(odts, "pdf")
                    out["pdf"] = documents.merge_pdfs([pdfs[k] for k in odts])
                else:
                    out[fmt] = self._convert({"dispatch": odts["dispatch"]}, fmt)[
                        "dispatch"
                    ]
            return out

    @api.model
    def _render_forms(self, items, fmts=("odt", "docx", "pdf")):
        """[{fmt: bytes}] for ``items`` [(form, answers, meta)], one
        LibreOffice start per format for the whole batch."""
        with self._errors(_("the survey forms")):
            filled = self._fill_many(
                "form",
                [documents.form_data(form, a, meta) for form, a, meta in items],
            )
            odts = {
                f"form{index}_{form.form_type}": odt
                for index, ((form, _a, _m), odt) in enumerate(
                    zip(items, filled, strict=True)
                )
            }
            converted = {fmt: self._convert(odts, fmt) for fmt in fmts}
            return [{fmt: converted[fmt][key] for fmt in fmts} for key in odts]

    @api.model
    def _render_summary(
        self, round_data, meta, fmts=("odt", "docx", "pdf", "xlsx"), forms=None
    ):
        with self._errors(_("the summary")):
            consolidated, odt = self._summary_odt(round_data, meta, forms)
            workbook = (
                generic.summary_workbook
                if self._is_generic(forms)
                else summary_workbook
            )
            # one LibreOffice start lays the document out once for all formats
            out = render.convert_formats({"summary": odt}, fmts)["summary"]
            if "odt" in fmts:
                out["odt"] = odt
            if "xlsx" in fmts:
                out["xlsx"] = workbook(
                    consolidated, summary.resolve_meta(consolidated, meta)
                )
            return {fmt: out[fmt] for fmt in fmts}

    @api.model
    def _attach(self, record, kind, files, replace=True, archived=False):
        """Store ``files`` [(name, bytes, description, fmt)] on ``record``;
        ``replace`` drops the previous, unarchived outputs of ``kind`` with the
        same file names (a numbered document leaves its drafts as history)."""
        Attachment = self.env["ir.attachment"].sudo()
        if replace:
            Attachment.search(
                [
                    ("res_model", "=", record._name),
                    ("res_id", "=", record.id),
                    ("vc_document_kind", "=", kind),
                    ("vc_archived", "=", False),
                    ("name", "in", [name for name, *_rest in files]),
                ]
            ).unlink()
        return Attachment.create(
            [
                {
                    "name": name,
                    "raw": raw,
                    "mimetype": MIMETYPES[fmt],
                    "description": description,
                    "res_model": record._name,
                    "res_id": record.id,
                    "vc_document_kind": kind,
                    "vc_archived": archived,
                }
                for name, raw, description, fmt in files
            ]
        )

    @api.model
    def _errors(self, what):
        return _RenderErrors(self.env, what)


class _RenderErrors:
    """Turn the core's errors into a UserError naming the document."""

    def __init__(self, env, what):
        self.env = env
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, render.RenderError | documents.DocumentDataError):
            _logger.warning("Rendering %s failed: %s", self.what, exc)
            if isinstance(exc.__cause__, template_check.TemplateRejected):
                raise UserError(
                    self.env._(
                        "Could not produce %(what)s: the template is refused: "
                        "%(problem)s",
                        what=self.what,
                        problem=rejection_message(self.env, exc.__cause__),
                    )
                ) from exc
            raise UserError(
                self.env._(
                    "Could not produce %(what)s: %(error)s", what=self.what, error=exc
                )
            ) from exc
        if isinstance(exc, ValueError) and not isinstance(exc, UserError):
            # forms.get_form and nd30 raise ValueError on bad plain data
            raise UserError(
                self.env._(
                    "Could not produce %(what)s: %(error)s", what=self.what, error=exc
                )
            ) from exc
        return False
