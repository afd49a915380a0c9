"""What the web UI adds around the submission workflow: the sign-off
confirmation, the archived-round banner and the bulk actions of the list.

Every action here calls the workflow methods of ``vc_survey_submission.py``
(``action_approve``, ``action_receive``, ``action_print_form``), which keep
all the checks of role, unit and state."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

WAITING_STATES = ("draft", "submitted")


def _summary_notification(env, title, done, failed, kind=None):
    """One notification for a bulk action: what was done, what was not and why."""
    lines = []
    if done:
        lines.append(
            env._(
                "Done (%(count)s): %(units)s.", count=len(done), units=", ".join(done)
            )
        )
    if failed:
        # one line per reason, naming the units it concerns
        by_reason = {}
        for unit, why in failed:
            by_reason.setdefault(str(why).strip().rstrip("."), []).append(unit)
        lines.append(
            env._("Not done (%(count)s):", count=len(failed))
            + " "
            + "; ".join(
                f"{', '.join(units)} — {why}" for why, units in by_reason.items()
            )
            + "."
        )
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "title": title,
            "message": " ".join(lines) or env._("Nothing selected."),
            "type": kind or ("warning" if failed else "success"),
            "sticky": bool(failed),
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }


class VcSurveySubmission(models.Model):
    _inherit = "vc.survey.submission"

    round_archived_waiting = fields.Boolean(
        compute="_compute_round_archived_waiting",
        help="The round was archived while this form was not signed off.",
    )
    round_name = fields.Char(related="round_id.name", string="Round name")

    @api.depends("state", "round_id.state")
    def _compute_round_archived_waiting(self):
        for sub in self:
            sub.round_archived_waiting = (
                sub.round_id.state == "archived" and sub.state in WAITING_STATES
            )

    def _creation_message(self):
        # a code string: translated even while the demo data loads
        return _("Survey Submission created")

    # ------------------------------------------------------------------
    # sign-off confirmation
    # ------------------------------------------------------------------
    def action_open_approve_wizard(self):
        """The sign-off button first shows what is signed: unit and form."""
        self.ensure_one()
        if not self.can_approve:
            raise AccessError(
                _(
                    "Only the head or a deputy of %(unit)s can approve its form "
                    "once it is sent for sign-off.",
                    unit=self.unit_id.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": _("Sign off the survey form"),
            "res_model": "vc.survey.approve.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_submission_id": self.id},
        }

    def _approve_confirmation(self, user):
        """The sentence the signer confirms, naming unit, form and capacity."""
        self.ensure_one()
        role = self._signer_role(user)
        unit = self.unit_id.sudo()
        if role == "deputy":
            capacity = _(
                'as deputy: the form prints "KT. %(head)s / %(deputy)s"',
                head=unit._head_title(),
                deputy=unit._deputy_title(),
            )
        else:
            capacity = _("as %(head)s", head=unit._head_title())
        return _(
            "You sign off the %(year)s survey form %(audience)s of %(unit)s "
            "%(capacity)s. Once signed, nobody can change its answers; only the "
            "Department can reopen it.",
            year=self.year,
            audience=self.form_audience or "",
            unit=self.unit_id.name,
            capacity=capacity,
        )

    # ------------------------------------------------------------------
    # bulk actions of the forms list
    # ------------------------------------------------------------------
    def action_receive_bulk(self):
        """Receive every selected form that can be received; report the rest."""
        done, failed = [], []
        for sub in self.sorted(lambda s: s.unit_id.name or ""):
            unit = sub.unit_id.name
            try:
                with self.env.cr.savepoint():
                    sub.action_receive()
            except (UserError, AccessError) as exc:
                failed.append((unit, exc.args[0] if exc.args else str(exc)))
            else:
                done.append(unit)
        return _summary_notification(self.env, _("Receive forms"), done, failed)

    def action_print_bulk(self):
        """Print every selected form; a form that cannot be printed is named
        in the summary and does not stop the others."""
        self.check_access("read")
        printable, failed = self.browse(), []
        for sub in self.sorted(lambda s: s.unit_id.name or ""):
            if sub.round_id.state == "archived":
                failed.append(
                    (
                        sub.unit_id.name,
                        _("the round is archived; open the archived copy"),
                    )
                )
            else:
                printable |= sub
        done = []
        if printable:
            try:
                with self.env.cr.savepoint():
                    printable._print_forms()
                done = printable.mapped("unit_id.name")
            except UserError:
                # one bad form: print the others one by one to find it
                for sub in printable:
                    try:
                        with self.env.cr.savepoint():
                            sub._print_forms()
                    except UserError as exc:
                        failed.append((sub.unit_id.name, exc.args[0]))
                    else:
                        done.append(sub.unit_id.name)
        return _summary_notification(self.env, _("Print forms"), done, failed)


class VcSurveyDeviceStatus(models.Model):
    _inherit = "vc.survey.device.status"

    # the pivot's measure: "Answers" reads better than Odoo's generic "Count"
    answer_count = fields.Integer(string="Answers", default=1, readonly=True)
