"""Official documents of a survey round: numbers, dispatch, forms, summary
and the archive ("Lưu VT")."""

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from vcsurvey import documents, workflow

from .vc_document_renderer import ascii_slug

AGENCY = "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
REPLY_STATES = ("approved", "received")
FORM_ORDER = ("district", "center")
OFFICER = "hg_videoconf_survey.group_department_officer"
CLERK = "hg_videoconf_survey.group_records_clerk"
# The register and the archive entries are the department's business.
DEPARTMENT = f"{OFFICER},{CLERK}"


def _is_mail_field(name):
    """Fields mail.thread may still write on a frozen record (chatter)."""
    return name.startswith(("message_", "activity_", "website_message"))


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _vn_date(day):
    return day.strftime("%d/%m/%Y") if day else ""


def _notification(title, message, kind="success", sticky=False):
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "title": title,
            "message": message,
            "type": kind,
            "sticky": sticky,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }


def _download(attachment):
    return {
        "type": "ir.actions.act_url",
        "url": f"/web/content/{attachment.id}?download=true",
        "target": "download",
    }


class VcSurveyRound(models.Model):
    _inherit = "vc.survey.round"

    summary_number = fields.Integer(readonly=True, copy=False, tracking=True)
    summary_notation = fields.Char(
        default=lambda self: self._default_summary_notation(), required=True
    )
    summary_date = fields.Date(copy=False, tracking=True)
    summary_recipients = fields.Text(
        help='"Kính gửi" of the summary, one per line; default: the provincial '
        "People's Committee."
    )
    dispatch_register_id = fields.Many2one(
        "vc.document.register", readonly=True, copy=False, groups=DEPARTMENT
    )
    summary_register_id = fields.Many2one(
        "vc.document.register", readonly=True, copy=False, groups=DEPARTMENT
    )
    document_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Documents",
        # the generated documents only (not the chatter's attachments)
        domain=[
            ("res_model", "=", "vc.survey.round"),
            ("vc_document_kind", "!=", False),
        ],
        readonly=True,
    )
    archive_document_ids = fields.One2many(
        "vc.archive.document",
        "round_id",
        string="Archived documents",
        readonly=True,
        groups=DEPARTMENT,
    )
    can_issue_dispatch_number = fields.Boolean(compute="_compute_can_documents")
    can_issue_summary_number = fields.Boolean(compute="_compute_can_documents")
    can_generate_documents = fields.Boolean(compute="_compute_can_documents")
    can_generate_summary = fields.Boolean(compute="_compute_can_documents")
    can_archive = fields.Boolean(compute="_compute_can_documents")
    can_check_archive = fields.Boolean(compute="_compute_can_documents")

    @api.model
    def _default_summary_notation(self):
        """ "BC-" and the agency part of the company's notation
        ("STTTT-CNTT" -> "BC-STTTT")."""
        notation = self.env.company.vc_notation or "STTTT-CNTT"
        return f"BC-{notation.split('-')[0]}"

    @api.depends_context("uid")
    @api.depends("state", "dispatch_number", "summary_number")
    def _compute_can_documents(self):
        user = self.env.user
        officer = user.has_group(OFFICER)
        clerk = user.has_group(CLERK)
        for rnd in self:
            open_round = rnd.state != "archived"
            rnd.can_issue_dispatch_number = (
                clerk and open_round and not rnd.dispatch_number
            )
            rnd.can_issue_summary_number = (
                clerk
                and rnd.state in ("dispatched", "consolidated")
                and not rnd.summary_number
            )
            rnd.can_generate_documents = officer and open_round
            rnd.can_generate_summary = officer and rnd.state in (
                "dispatched",
                "consolidated",
            )
            rnd.can_archive = clerk and rnd.state == "consolidated"
            rnd.can_check_archive = (officer or clerk) and rnd.state == "archived"

    @api.model
    def _workflow_fields(self):
        return super()._workflow_fields() | {
            "summary_number",
            "dispatch_register_id",
            "summary_register_id",
        }

    def write(self, vals):
        self._check_numbered_fields(vals)
        # nothing but the chatter changes in an archived round, even for
        # the round's own actions
        if (
            not self.env.su
            and any(not _is_mail_field(name) for name in vals)
            and any(r.state == "archived" for r in self)
        ):
            raise UserError(_("An archived survey round is read-only."))
        return super().write(vals)

    def _check_numbered_fields(self, vals):
        """Once a document has its number, its date and notation are those of
        the register line: frozen for everyone (the numbering writes them
        with sudo)."""
        if self.env.su:
            return
        for kind in ("dispatch", "summary"):
            frozen = {f"{kind}_date", f"{kind}_notation"} & set(vals)
            numbered = self.filtered(f"{kind}_number")
            if frozen and numbered:
                raise UserError(
                    _(
                        "The %(document)s of %(round)s is numbered: its date and "
                        "notation can no longer change.",
                        document=self._document_label(kind),
                        round=numbered[0].name,
                    )
                )

    # ------------------------------------------------------------------
    # numbering (records clerk)
    # ------------------------------------------------------------------
    def action_open_number_wizard(self):
        """The numbering buttons first show the date the number will carry."""
        self.ensure_one()
        self._check_clerk()
        kind = self.env.context.get("vc_kind")
        if kind not in ("dispatch", "summary"):
            raise UserError(_("Unknown document to number."))
        return {
            "type": "ir.actions.act_window",
            "name": _(
                "Issue the %(document)s number", document=self._document_label(kind)
            ),
            "res_model": "vc.document.number.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_round_id": self.id,
                "default_kind": kind,
                "default_date": fields.Date.to_string(
                    self[f"{kind}_date"] or fields.Date.context_today(self)
                ),
            },
        }

    def action_issue_dispatch_number(self):
        """Give the dispatch the next number of the year's dispatch register."""
        self.ensure_one()
        self._issue_number("dispatch")
        return _notification(
            _("Number issued"),
            _(
                "Dispatch number %(number)s.",
                number=self.dispatch_register_id.display_number,
            ),
        )

    def action_issue_summary_number(self):
        """Give the summary the next number of the year's report register."""
        self.ensure_one()
        self._issue_number("summary")
        return _notification(
            _("Number issued"),
            _(
                "Summary number %(number)s.",
                number=self.summary_register_id.display_number,
            ),
        )

    def _issue_number(self, kind):
        self._check_clerk()
        # The row lock makes a second clerk numbering the same round wait
        # and then see the first number (or be retried by Odoo on a
        # serialization failure) instead of drawing a second one.
        self.env.cr.execute(
            "SELECT id FROM vc_survey_round WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset()
        if self.state == "archived":
            raise UserError(_("An archived survey round is read-only."))
        if kind == "summary" and self.state not in ("dispatched", "consolidated"):
            raise UserError(_("The summary is numbered once the round is dispatched."))
        number_field, date_field = f"{kind}_number", f"{kind}_date"
        register_field = f"{kind}_register_id"
        if self[number_field]:
            number = self[register_field].display_number or self[number_field]
            raise UserError(
                _(
                    "The %(document)s of %(round)s already has number %(number)s.",
                    document=self._document_label(kind),
                    round=self.name,
                    number=number,
                )
            )
        # the date asked by the numbering dialog, else the document's own
        day = (
            fields.Date.to_date(self.env.context.get("vc_number_date"))
            or self[date_field]
            or fields.Date.context_today(self)
        )
        notation = (
            self.dispatch_notation if kind == "dispatch" else self.summary_notation
        )
        line = self.env["vc.document.register"]._issue(
            kind, self, notation, day, self._prepare_register_vals(kind)
        )
        self.sudo().write(
            {
                number_field: line.number,
                date_field: day,
                register_field: line.id,
            }
        )
        self.message_post(
            body=_(
                "Number %(number)s of %(date)s given to the %(document)s by %(user)s.",
                document=self._document_label(kind),
                number=line.display_number,
                date=_vn_date(day),
                user=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._regenerate_numbered(kind)
        return line

    def _regenerate_numbered(self, kind):
        """Print the numbered dispatch / summary at once; the unnumbered
        drafts ("du-thao") stay on the Documents tab as history."""
        if kind == "dispatch":
            self._generate_dispatch()
        elif self.state == "consolidated":
            self._generate_summary_files()

    def _prepare_register_vals(self, kind):
        signer = " ".join(
            p for p in (self.signer_delegation, self.signer_title) if p
        ) + (f" {self.signer_name}" if self.signer_name else "")
        if kind == "dispatch":
            subject = f"Công văn V/v {self.subject}"
            recipients = "\n".join(_lines(self.recipients) + _lines(self.cc))
        else:
            subject = (
                "Báo cáo kết quả khảo sát tình hình quản lý, vận hành hệ thống "
                f"giao ban trực tuyến trên địa bàn tỉnh năm {self.year}"
            )
            recipients = "\n".join(self._summary_recipients())
        return {"subject": subject, "signer": signer, "recipients": recipients}

    def _document_label(self, kind):
        return {"dispatch": _("dispatch"), "summary": _("summary")}[kind]

    # ------------------------------------------------------------------
    # plain data for the core
    # ------------------------------------------------------------------
    def _signer_data(self):
        self.ensure_one()
        return {
            "title": self.signer_title or "GIÁM ĐỐC",
            "name": self.signer_name or "",
            "delegation": self.signer_delegation or "",
            "position": self.signer_position or "",
        }

    def _form_types(self):
        present = set(self.line_ids.mapped("form_type"))
        known = [t for t in FORM_ORDER if t in present]
        return known + sorted(t for t in present - set(known) if t)

    def _form_versions(self):
        """The versions the round's units get, 2017 district form first."""
        order = {t: i for i, t in enumerate(FORM_ORDER)}
        return self.line_ids.form_id.sorted(
            lambda f: (order.get(f.form_type, len(order)), f.code or "", f.id)
        )

    def _prepare_dispatch_data(self):
        """The dispatch as the core's plain data (vcsurvey.documents)."""
        self.ensure_one()
        if not self.signer_name:
            raise UserError(_("Fill in the name of the signer of the dispatch first."))
        province = self.province or ""
        return {
            "parent_agency": self._parent_agency(),
            "agency": self.agency or self.env.company.vc_agency or AGENCY,
            "notation": self.dispatch_notation,
            "number": self.dispatch_number or None,
            "place": province,
            "date": self.dispatch_date or None,
            "subject": self.subject,
            "recipients": _lines(self.recipients),
            "legal_bases": _lines(self.legal_basis),
            "deadline": self.deadline,
            "email": self.softcopy_email or "",
            "cc": _lines(self.cc),
            "archive": f"Lưu: VT, {self.drafting_unit}."
            if self.drafting_unit
            else None,
            "signer": self._signer_data(),
            "year": self.year,
            "cutoff": self._get_cutoff(),
            "forms": self._form_types(),
            "province": province,
            "form_definitions": [
                form.sudo().get_definition() for form in self._form_versions()
            ],
        }

    def _parent_agency(self):
        if self.parent_agency:
            return self.parent_agency
        return f"UBND TỈNH {(self.province or '').upper()}".strip()

    def _summary_recipients(self):
        """Default: the parent agency, written out ("UBND TỈNH X" ->
        "Ủy ban nhân dân tỉnh X")."""
        if _lines(self.summary_recipients):
            return _lines(self.summary_recipients)
        parent = self._parent_agency()
        if parent.upper().startswith("UBND TỈNH "):
            return [f"Ủy ban nhân dân tỉnh {self.province or parent[10:].title()}"]
        return [parent]

    def _prepare_summary_meta(self):
        """The summary's heading, number and signer (vcsurvey.summary meta)."""
        self.ensure_one()
        province = self.province or ""
        return {
            "number": self.summary_number or None,
            "notation": self.summary_notation,
            "date": self.summary_date or None,
            "place": province,
            "parent_agency": self._parent_agency(),
            "agency": self.agency or self.env.company.vc_agency or AGENCY,
            "recipients": self._summary_recipients(),
            "signer": self._signer_data(),
        }

    def _summary_forms(self):
        """{form code: FormDefinition} of the round's versions; a reply names
        its version by "form_code"."""
        return {
            str(form.id): form.sudo().get_definition() for form in self._form_versions()
        }

    def _replies(self):
        """Approved and received submissions: the replies that count."""
        return self.submission_ids.filtered(lambda s: s.state in REPLY_STATES)

    def _prepare_round_data(self):
        """The round as vcsurvey.consolidate's ``round_data``."""
        self.ensure_one()
        lines = self.env["vc.survey.round.line"].search_read(
            [("round_id", "=", self.id)], ["unit_id", "form_type"]
        )
        units = {
            u["id"]: u
            for u in self.env["vc.unit"].search_read(
                [("id", "in", [line["unit_id"][0] for line in lines])],
                ["code", "name"],
            )
        }
        replies = self._replies()
        others = self.env["vc.survey.submission"].search_read(
            [("round_id", "=", self.id), ("state", "not in", REPLY_STATES)],
            ["unit_id", "form_type", "form_id", "state", "submitted_on"],
        )
        other_units = {
            u["id"]: u
            for u in self.env["vc.unit"].search_read(
                [("id", "in", [s["unit_id"][0] for s in others])], ["code", "name"]
            )
        }
        return {
            "year": self.year,
            "province": self.province or self.env.company.vc_place or "",
            "deadline": self.deadline,
            "cutoff": self._get_cutoff(),
            "dispatch": {
                "number": self.dispatch_number or None,
                "notation": self.dispatch_notation,
                "date": self.dispatch_date or None,
            },
            "addressed": [
                {
                    "unit_code": units[line["unit_id"][0]]["code"] or "",
                    "unit_name": units[line["unit_id"][0]]["name"],
                    "form_type": line["form_type"],
                }
                for line in lines
            ],
            "submissions": [self._plain_reply(sub) for sub in replies]
            + [
                {
                    "unit_code": other_units[s["unit_id"][0]]["code"] or "",
                    "unit_name": other_units[s["unit_id"][0]]["name"],
                    "form_type": s["form_type"],
                    "form_code": str(s["form_id"][0]),
                    "state": s["state"],
                    "submitted_on": (s["submitted_on"] or None)
                    and s["submitted_on"].date(),
                    "approved_on": None,
                    "received_on": None,
                    "answers": {},
                }
                for s in others
            ],
        }

    @api.model
    def _plain_reply(self, submission):
        data = submission._get_plain_data()
        # consolidate.to_date refuses False, Odoo's empty value
        for key in ("submitted_on", "approved_on", "received_on"):
            data[key] = data[key] or None
        return data

    # ------------------------------------------------------------------
    # documents (department officer)
    # ------------------------------------------------------------------
    def _document_name(self, kind):
        """ASCII file stem and Vietnamese title of the dispatch or summary."""
        if kind == "dispatch":
            number, notation, day = (
                self.dispatch_number,
                self.dispatch_notation,
                self.dispatch_date,
            )
            stem, title = "Cong-van", "Công văn"
        else:
            number, notation, day = (
                self.summary_number,
                self.summary_notation,
                self.summary_date,
            )
            stem, title = "Bao-cao", "Báo cáo tổng hợp"
        if number:
            stem += f"-{number:02d}-{ascii_slug(notation)}"
            title += f" số {number:02d}/{notation}"
        else:
            stem += f"-{self.year}-du-thao"
            title += " (dự thảo, chưa cấp số)"
        if day:
            title += f" ngày {_vn_date(day)}"
        if kind == "dispatch":
            title += f" V/v {self.subject}"
        else:
            title += f" kết quả khảo sát năm {self.year}"
        return stem, title

    def _check_open(self):
        if self.state == "archived":
            raise UserError(
                _(
                    "The survey round %(round)s is archived: its documents are "
                    "frozen.",
                    round=self.name,
                )
            )

    def action_generate_dispatch(self):
        """The dispatch as ODT, DOCX and PDF (with the blank forms)."""
        self.ensure_one()
        self._check_officer()
        self._check_open()
        title = self._generate_dispatch()
        return _notification(_("Dispatch generated"), title)

    def _generate_dispatch(self):
        data = self._prepare_dispatch_data()
        files = self.env["vc.document.renderer"]._render_dispatch(data)
        stem, title = self._document_name("dispatch")
        notes = {"pdf": " (PDF, kèm các mẫu phiếu khảo sát)"}
        attachments = self.env["vc.document.renderer"]._attach(
            self,
            "dispatch",
            [
                (f"{stem}.{fmt}", files[fmt], title + notes.get(fmt, ""), fmt)
                for fmt in ("pdf", "docx", "odt")
            ],
        )
        self.message_post(
            body=_(
                "Dispatch generated: %(files)s.",
                files=", ".join(attachments.mapped("name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return title

    def action_generate_summary(self):
        """The consolidated summary (ODT, DOCX, PDF, XLSX); the round becomes
        consolidated (regenerating keeps it so). Above the job threshold of
        units it runs as a background job (vc.survey.job)."""
        self.ensure_one()
        self._check_officer()
        Job = self.env["vc.survey.job"]
        if len(self.line_ids) > Job._threshold():
            self._move("consolidate")  # refused now rather than in the job
            title = _("Summary of %(round)s", round=self.name)
            return Job._enqueue(self, "summary", [], title)._queued_notification()
        self._generate_summary()
        return _notification(_("Summary generated"), self._document_name("summary")[1])

    def _generate_summary(self):
        """Render and attach the summary; returns the attachments."""
        self.ensure_one()
        self._check_officer()
        self.env.cr.execute(
            "SELECT id FROM vc_survey_round WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset(["state"])
        new_state = self._move("consolidate")
        attachments = self._generate_summary_files()
        self.sudo().write({"state": new_state})
        return attachments

    def _generate_summary_files(self):
        """Render and attach the summary; returns the attachments."""
        files = self.env["vc.document.renderer"]._render_summary(
            self._prepare_round_data(),
            self._prepare_summary_meta(),
            forms=self._summary_forms(),
        )
        stem, title = self._document_name("summary")
        attachments = self.env["vc.document.renderer"]._attach(
            self,
            "summary",
            [
                (f"{stem}.{fmt}", files[fmt], title, fmt)
                for fmt in ("pdf", "docx", "odt", "xlsx")
            ],
        )
        self.message_post(
            body=_(
                "Summary generated from %(count)s approved forms: %(files)s.",
                count=len(self._replies()),
                files=", ".join(attachments.mapped("name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return attachments

    # ------------------------------------------------------------------
    # archive (records clerk)
    # ------------------------------------------------------------------
    def _check_clerk(self):
        if self.env.su:
            return
        if not self.env.user.has_group(CLERK):
            raise AccessError(_("Only the records clerk can do this."))

    def action_archive(self):
        """Freeze the PDFs of the dispatch, of every approved form and of the
        summary with their SHA-256; the round becomes read-only."""
        self.ensure_one()
        self._check_clerk()
        self.env.cr.execute(
            "SELECT id FROM vc_survey_round WHERE id = %s FOR UPDATE", [self.id]
        )
        self.invalidate_recordset(["state"])
        new_state = self._move("archive")
        # the archive is the record kept for good: never an unnumbered draft
        unnumbered = [
            self._document_label(kind)
            for kind in ("dispatch", "summary")
            if not self[f"{kind}_number"]
        ]
        if unnumbered:
            raise UserError(
                _(
                    "Issue the number of %(documents)s before archiving the round: "
                    "the archive keeps the signed, numbered documents.",
                    documents=", ".join(unnumbered),
                )
            )
        renderer = self.env["vc.document.renderer"]
        replies = self._replies().sorted(lambda s: (s.form_type, s.unit_id.name))
        with renderer._errors(_("the archive copies")):
            odts = renderer._dispatch_odts(self._prepare_dispatch_data())
            dispatch_keys = list(odts)
            # every form filled in one child process
            filled = renderer._fill_many(
                "form",
                [
                    documents.form_data(
                        sub._get_form(), sub._get_answers(), sub._prepare_form_meta()
                    )
                    for sub in replies
                ],
            )
            for sub, odt in zip(replies, filled, strict=True):
                odts[f"form_{sub.id}"] = odt
            _summary, odts["summary"] = renderer._summary_odt(
                self._prepare_round_data(),
                self._prepare_summary_meta(),
                forms=self._summary_forms(),
            )
            # Every PDF of the round in one LibreOffice start.
            pdfs = renderer._convert(odts, "pdf")
            dispatch_pdf = documents.merge_pdfs([pdfs[k] for k in dispatch_keys])
        prefix = "Bản lưu (Lưu VT): "
        entries = []
        stem, title = self._document_name("dispatch")
        entries.append(("dispatch", self, stem, prefix + title, dispatch_pdf))
        for sub in replies:
            stem, title = sub._document_name()
            entries.append(("form", sub, stem, prefix + title, pdfs[f"form_{sub.id}"]))
        stem, title = self._document_name("summary")
        entries.append(("summary", self, stem, prefix + title, pdfs["summary"]))
        Archive = self.env["vc.archive.document"].sudo()
        archive_vals = []
        for kind, record, stem, title, pdf in entries:
            attachment = renderer._attach(
                record,
                kind,
                [(f"Luu-VT-{stem}.pdf", pdf, title, "pdf")],
                replace=False,
                archived=True,
            )
            archive_vals.append(
                {
                    "round_id": self.id,
                    "submission_id": record.id if kind == "form" else False,
                    "kind": kind,
                    "attachment_id": attachment.id,
                    "sha256": Archive._hash(pdf),
                }
            )
        Archive.create(archive_vals)
        self.sudo().write({"state": new_state})
        self.message_post(
            body=_(
                "Archived by %(user)s: %(count)s PDF documents frozen with their "
                "SHA-256.",
                user=self.env.user.name,
                count=len(archive_vals),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _notification(
            _("Round archived"),
            _("%(count)s documents archived.", count=len(archive_vals)),
        )

    def action_check_archive(self):
        """Recompute the SHA-256 of every archived file; report mismatches."""
        self.ensure_one()
        user = self.env.user
        if not (self.env.su or user.has_group(CLERK) or user.has_group(OFFICER)):
            raise AccessError(
                _("Only the records clerk or a Department officer can do this.")
            )
        entries = self.archive_document_ids
        if not entries:
            raise UserError(
                _(
                    "The survey round %(round)s has no archived documents.",
                    round=self.name,
                )
            )
        bad = entries._verify()
        if bad:
            names = ", ".join(bad.mapped("name"))
            body = Markup("<p><b>%s</b></p><ul>%s</ul>") % (
                _("Archive check failed: these files no longer match their SHA-256:"),
                Markup("").join(
                    Markup("<li>%s</li>") % escape(name) for name in bad.mapped("name")
                ),
            )
            self.message_post(body=body, subtype_xmlid="mail.mt_note")
            return _notification(
                _("Archive check failed"),
                _("Files altered since archiving: %(names)s", names=names),
                kind="danger",
                sticky=True,
            )
        self.message_post(
            body=_(
                "Archive check passed: the %(count)s archived files are intact.",
                count=len(entries),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _notification(
            _("Archive intact"),
            _("The %(count)s archived files match their SHA-256.", count=len(entries)),
        )


class VcSurveySubmission(models.Model):
    _inherit = "vc.survey.submission"

    document_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Documents",
        # the generated documents only (not the chatter's attachments)
        domain=[
            ("res_model", "=", "vc.survey.submission"),
            ("vc_document_kind", "!=", False),
        ],
        readonly=True,
    )

    def _check_writable(self, fnames):
        # Checked before the base rule, which a context key can skip: nothing
        # but the chatter changes in an archived round.
        if (
            not self.env.su
            and any(not _is_mail_field(name) for name in fnames)
            and any(s.round_id.state == "archived" for s in self)
        ):
            raise UserError(
                _(
                    "The survey round %(round)s is archived: its submissions are "
                    "read-only.",
                    round=self.round_id[:1].name,
                )
            )
        return super()._check_writable(fnames)

    def unlink(self):
        if not self.env.su and any(s.round_id.state == "archived" for s in self):
            raise UserError(
                _("The forms of an archived survey round cannot be deleted.")
            )
        return super().unlink()

    def _prepare_form_meta(self):
        """Heading and sign-off of the printed form (vcsurvey.documents meta)."""
        self.ensure_one()
        rnd = self.round_id
        return {
            "year": rnd.year,
            "unit_name": self.unit_id.name,
            "province": rnd.province or self.env.company.vc_place or "",
            "dispatch_number": rnd.dispatch_number or None,
            "dispatch_date": rnd.dispatch_date or None,
            "cutoff": rnd._get_cutoff(),
            "preparer_name": self._answer_by_role("preparer_name")
            or self.submitted_by_id.name
            or "",
            "head_name": self.approved_by_id.name or "",
            "signed_as": "KT." if self.signed_as == "deputy" else "",
            # ND30: "KT. CHỦ TỊCH" then the deputy's own title on the next line
            "head_title": self.unit_id.sudo()._head_title(),
            "head_position": (
                self.unit_id.sudo()._deputy_title()
                if self.signed_as == "deputy"
                else ""
            ),
        }

    def _document_name(self):
        self.ensure_one()
        unit = self.unit_id
        stem = f"Phieu-khao-sat-{self.year}-{ascii_slug(unit.code or unit.name)}"
        title = f"Phiếu khảo sát năm {self.year} của {unit.name}"
        return stem, title

    def action_print_form(self):
        """The filled forms as ODT, DOCX and PDF, stored on each submission
        (one LibreOffice start per format for all of them)."""
        self.check_access("read")
        if not self:
            return False
        archived = self.filtered(lambda s: s.round_id.state == "archived")
        if archived:
            if len(self) == 1:
                frozen = (
                    self.env["vc.archive.document"]
                    .sudo()
                    .search([("submission_id", "=", self.id)], limit=1)
                )
                if frozen:
                    return _download(frozen.attachment_id)
            raise UserError(
                _(
                    "The survey round %(round)s is archived: its forms are frozen; "
                    "open the archived copies.",
                    round=archived[0].round_id.name,
                )
            )
        pdf = self._print_forms()
        if len(self) == 1:
            # Inline for now (a background job later): say it is done, offer
            # the PDF and refresh the form so its Documents tab lists the files.
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Form printed"),
                    "message": _(
                        "The form of %(unit)s is printed (PDF, DOCX, ODT) and "
                        "listed on its Documents tab: ",
                        unit=self.unit_id.name,
                    )
                    + "%s",
                    "links": [
                        {
                            "label": pdf.name,
                            "url": f"/web/content/{pdf.id}?download=true",
                        }
                    ],
                    "type": "success",
                    "sticky": True,
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return _notification(
            _("Forms printed"),
            _("%(count)s forms printed; see their Documents tab.", count=len(self)),
        )

    def _print_forms(self):
        """Render the forms (ODT, DOCX, PDF) and store them; return the PDFs."""
        renderer = self.env["vc.document.renderer"]
        items = [
            (s._get_form(), s._get_answers(), s._prepare_form_meta()) for s in self
        ]
        outputs = renderer._render_forms(items)
        pdf = self.env["ir.attachment"]
        for sub, files in zip(self, outputs, strict=True):
            stem, title = sub._document_name()
            # the description is the document's, in Vietnamese as the form
            state = workflow.STATE_LABELS.get(sub.state, sub.state)
            attachments = renderer._attach(
                sub,
                "form",
                [
                    (f"{stem}.{fmt}", files[fmt], f"{title} ({state})", fmt)
                    for fmt in ("pdf", "docx", "odt")
                ],
            )
            pdf |= attachments[:1]
        return pdf
