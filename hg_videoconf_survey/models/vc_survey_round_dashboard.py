"""The Department's dashboard of a round: progress by state, the deadline,
device statuses by network and the late units; every figure opens the forms
(or the status lines) behind it.  Counters come from ``_read_group``."""

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError

SIGNED = ("approved", "received")
# dashboard figure -> domain on vc.survey.submission (besides the round)
PROGRESS_DOMAINS = {
    "not_sent": [("state", "=", "draft"), ("submitted_on", "=", False)],
    "returned": [("state", "=", "draft"), ("submitted_on", "!=", False)],
    "submitted": [("state", "=", "submitted")],
    "approved": [("state", "=", "approved")],
    "received": [("state", "=", "received")],
    "late": [("is_late", "=", True)],
}
STATUSES = ("stable", "unstable", "not_working")
NETWORKS = {"province_district": "pd", "district_commune": "dc"}


class VcSurveyRound(models.Model):
    _inherit = "vc.survey.round"

    dash_not_sent = fields.Integer(string="Not sent", compute="_compute_dashboard")
    dash_returned = fields.Integer(
        string="Being corrected", compute="_compute_dashboard"
    )
    dash_submitted = fields.Integer(
        string="Waiting for the head", compute="_compute_dashboard"
    )
    dash_approved = fields.Integer(string="Signed", compute="_compute_dashboard")
    dash_received = fields.Integer(string="Received", compute="_compute_dashboard")
    dash_late = fields.Integer(string="Late units", compute="_compute_dashboard")
    dash_days_left = fields.Integer(
        string="Days to the deadline", compute="_compute_dashboard"
    )
    dash_deadline_text = fields.Char(compute="_compute_dashboard")
    dash_late_unit_ids = fields.Many2many(
        "vc.unit", string="Late units list", compute="_compute_dashboard"
    )
    # device statuses of the signed forms, by network (pd: province-district,
    # dc: district-commune) and status
    dash_pd_stable = fields.Integer(string="Stable", compute="_compute_dashboard")
    dash_pd_unstable = fields.Integer(string="Unstable", compute="_compute_dashboard")
    dash_pd_not_working = fields.Integer(
        string="Not working", compute="_compute_dashboard"
    )
    dash_dc_stable = fields.Integer(string="Stable ", compute="_compute_dashboard")
    dash_dc_unstable = fields.Integer(string="Unstable ", compute="_compute_dashboard")
    dash_dc_not_working = fields.Integer(
        string="Not working ", compute="_compute_dashboard"
    )

    @api.depends_context("uid")
    @api.depends("submission_ids.state", "submission_ids.is_late", "deadline")
    def _compute_dashboard(self):
        Submission = self.env["vc.survey.submission"]
        Status = self.env["vc.survey.device.status"]
        today = fields.Date.context_today(self)
        counts = {}
        for key, domain in PROGRESS_DOMAINS.items():
            for rnd, count in Submission._read_group(
                [("round_id", "in", self.ids)] + domain, ["round_id"], ["__count"]
            ):
                counts[(rnd.id, key)] = count
        for rnd, network, status, count in Status._read_group(
            [
                ("round_id", "in", self.ids),
                ("state", "in", SIGNED),
                ("device", "=", "overall"),
            ],
            ["round_id", "network", "status"],
            ["__count"],
        ):
            counts[(rnd.id, f"{NETWORKS[network]}_{status}")] = count
        late_units = {
            rnd.id: units
            for rnd, units in Submission._read_group(
                [("round_id", "in", self.ids), ("is_late", "=", True)],
                ["round_id"],
                ["unit_id:recordset"],
            )
        }
        for rnd in self:
            for key in PROGRESS_DOMAINS:
                rnd[f"dash_{key}"] = counts.get((rnd.id, key), 0)
            for short in NETWORKS.values():
                for status in STATUSES:
                    name = f"{short}_{status}"
                    rnd[f"dash_{name}"] = counts.get((rnd.id, name), 0)
            rnd.dash_late_unit_ids = late_units.get(rnd.id, self.env["vc.unit"])
            if rnd.deadline:
                days = (rnd.deadline - today).days
                rnd.dash_days_left = days
                if days > 0:
                    rnd.dash_deadline_text = _(
                        "%(days)s days left (deadline %(date)s)",
                        days=days,
                        date=rnd.deadline.strftime("%d/%m/%Y"),
                    )
                elif days == 0:
                    rnd.dash_deadline_text = _("The deadline is today")
                else:
                    rnd.dash_deadline_text = _(
                        "The deadline %(date)s passed %(days)s days ago",
                        days=-days,
                        date=rnd.deadline.strftime("%d/%m/%Y"),
                    )
            else:
                rnd.dash_days_left = 0
                rnd.dash_deadline_text = _("No deadline")

    def _creation_message(self):
        # a code string: translated even while the demo data loads
        return _("Survey Round created")

    def action_open_dashboard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Dashboard: %(round)s", round=self.name),
            "res_model": "vc.survey.round",
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "hg_videoconf_survey.vc_survey_round_view_dashboard"
                    ).id,
                    "form",
                )
            ],
            "target": "current",
        }

    def action_dashboard_forms(self):
        """The forms behind a figure of the dashboard (context ``vc_figure``)."""
        self.ensure_one()
        figure = self.env.context.get("vc_figure")
        if figure not in PROGRESS_DOMAINS:
            raise UserError(_("Unknown figure of the dashboard."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hg_videoconf_survey.vc_survey_submission_action"
        )
        action.update(
            name=self._fields[f"dash_{figure}"].get_description(self.env)["string"],
            domain=[("round_id", "=", self.id)] + PROGRESS_DOMAINS[figure],
            context={},
            view_mode="list,form",
            views=[(False, "list"), (False, "form")],
        )
        return action

    def action_dashboard_statuses(self):
        """The signed forms whose whole system has the clicked status."""
        self.ensure_one()
        network = self.env.context.get("vc_network")
        status = self.env.context.get("vc_status")
        if network not in NETWORKS or status not in STATUSES:
            raise UserError(_("Unknown figure of the dashboard."))
        lines = self.env["vc.survey.device.status"].search(
            [
                ("round_id", "=", self.id),
                ("state", "in", SIGNED),
                ("network", "=", network),
                ("device", "=", "overall"),
                ("status", "=", status),
            ]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "hg_videoconf_survey.vc_survey_submission_action"
        )
        action.update(
            name=_("Forms by device status"),
            domain=[("id", "in", lines.submission_id.ids)],
            context={},
            view_mode="list,form",
            views=[(False, "list"), (False, "form")],
        )
        return action

    # ------------------------------------------------------------------
    # archive: say on the waiting forms why their buttons are gone
    # ------------------------------------------------------------------
    def action_archive(self):
        waiting = self.submission_ids.filtered(
            lambda s: s.state in ("draft", "submitted")
        )
        result = super().action_archive()
        # the clerk reads the forms but may not write them: the note is posted
        # by the system in the clerk's name
        author = self.env.user.partner_id.id
        for sub in waiting.sudo():
            sub.message_post(
                author_id=author,
                body=Markup("<p>%s</p>")
                % _(
                    "The survey round %(round)s was archived by %(user)s while this "
                    "form was %(state)s: it can no longer be submitted or signed off.",
                    round=self.name,
                    user=self.env.user.name,
                    state=dict(sub._fields["state"]._description_selection(self.env))[
                        sub.state
                    ],
                ),
                subtype_xmlid="mail.mt_note",
            )
        if waiting:
            self.message_post(
                body=_(
                    "Archived with forms never signed off: %(units)s.",
                    units=", ".join(waiting.mapped("unit_id.name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result
