from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.base.models.res_users import name_selection_groups

from .common import MODULE, VcSurveyCommon


@tagged("post_install", "-at_install")
class TestRoles(VcSurveyCommon):
    """Survey roles as selections on Settings → Users."""

    def _group(self, name):
        return self.env.ref(f"{MODULE}.group_{name}")

    def test_roles_are_selections(self):
        """Each survey role category is a chain, shown as one selection."""
        kinds = {
            app.get_external_id()[app.id]: (kind, gs)
            for app, kind, gs, _cat in self.env[
                "res.groups"
            ].get_groups_by_application()
            if app
        }
        expected = {
            "unit": ("unit_preparer", "unit_head"),
            "department": ("department_officer", "department_leader"),
            "records": ("records_clerk",),
        }
        for category, groups in expected.items():
            kind, gs = kinds[f"{MODULE}.module_category_vc_survey_{category}"]
            self.assertEqual(kind, "selection", category)
            self.assertEqual(
                gs, self.env["res.groups"].concat(*map(self._group, groups))
            )
        parent = self.env.ref(f"{MODULE}.module_category_vc_survey")
        self.assertEqual(parent.name, "Khảo sát giao ban trực tuyến")

    def test_user_form_shows_roles_and_unit_without_debug(self):
        """The role selections and the unit are on the user form, no debug."""
        unit_roles = name_selection_groups(
            (self._group("unit_preparer") | self._group("unit_head")).ids
        )
        view = self.env.ref("base.view_users_form")
        arch = self.env["res.users"].get_views([(view.id, "form")])["views"]["form"][
            "arch"
        ]
        self.assertIn(f'name="{unit_roles}"', arch)
        self.assertIn('name="vc_unit_id"', arch)

    def test_selection_sets_the_implied_roles(self):
        """Choosing "head" in the selection makes a head who also prepares."""
        user = self.env["res.users"].create(
            {"name": "Mới", "login": "moi", "vc_unit_id": self.district_a.id}
        )
        field = name_selection_groups(
            (self._group("unit_preparer") | self._group("unit_head")).ids
        )
        user.write({field: self._group("unit_head").id})
        self.assertTrue(user.has_group(f"{MODULE}.group_unit_head"))
        self.assertTrue(user.has_group(f"{MODULE}.group_unit_preparer"))
        self.assertFalse(user.has_group(f"{MODULE}.group_department_officer"))

    def test_chains_do_not_widen_permissions(self):
        """No role implies a role whose rights it must not have."""
        self.assertFalse(self.officer.has_group(f"{MODULE}.group_records_clerk"))
        self.assertFalse(self.leader.has_group(f"{MODULE}.group_records_clerk"))
        self.assertFalse(self.leader.has_group(f"{MODULE}.group_unit_head"))
        self.assertFalse(self.clerk.has_group(f"{MODULE}.group_department_officer"))
        self.assertFalse(self.head_a.has_group(f"{MODULE}.group_department_officer"))
        self.assertTrue(self.leader.has_group(f"{MODULE}.group_department_officer"))


@tagged("post_install", "-at_install")
class TestWorkflowUi(VcSurveyCommon):
    """Sign-off confirmation and the bulk actions of the forms list."""

    def test_approve_asks_confirmation_naming_unit_and_form(self):
        """The sign-off button opens a confirmation naming unit and form."""
        self._fill_and_submit(self.sub_a)
        action = self.sub_a.with_user(self.head_a).action_open_approve_wizard()
        self.assertEqual(action["res_model"], "vc.survey.approve.wizard")
        self.assertEqual(self.sub_a.state, "submitted")  # nothing signed yet
        wizard = (
            self.env["vc.survey.approve.wizard"]
            .with_user(self.head_a)
            .with_context(action["context"])
            .create({})
        )
        self.assertIn("UBND huyện Alpha", wizard.message)
        self.assertIn(self.sub_a.form_audience, wizard.message)
        self.assertIn("2017", wizard.message)
        wizard.action_confirm()
        self.assertEqual(self.sub_a.state, "approved")
        self.assertEqual(self.sub_a.approved_by_id, self.head_a)

    def test_approve_confirmation_of_a_deputy_names_both_titles(self):
        """A deputy confirms signing "KT." with the unit's two titles."""
        self.district_a.write(
            {"head_title": "Chủ tịch", "deputy_title": "Phó Chủ tịch"}
        )
        self._fill_and_submit(self.sub_a)
        message = self.sub_a._approve_confirmation(self.deputy_a)
        self.assertIn("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", message)

    def test_confirmation_refused_to_who_cannot_sign(self):
        """The preparer, another head or an officer gets no sign-off dialog."""
        self._fill_and_submit(self.sub_a)
        for user in (self.preparer_a, self.head_b, self.officer):
            with self.assertRaises(AccessError):
                self.sub_a.with_user(user).action_open_approve_wizard()
        self.assertEqual(self.sub_a.state, "submitted")

    def test_bulk_receive(self):
        """Receiving from the list receives the signed forms, names the rest."""
        for sub, head in ((self.sub_a, self.head_a), (self.sub_c, self.head_c)):
            self._fill_and_submit(sub)
            sub.with_user(head).action_approve()
        self._fill_and_submit(self.sub_b)  # waiting for its head: refused
        subs = self.sub_a | self.sub_b | self.sub_c
        result = subs.with_user(self.officer).action_receive_bulk()
        self.assertEqual(self.sub_a.state, "received")
        self.assertEqual(self.sub_c.state, "received")
        self.assertEqual(self.sub_b.state, "submitted")
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("UBND huyện Bêta", params["message"])
        self.assertIn("Not done (1)", params["message"])
        self.assertIn("Done (2)", params["message"])
        self.assertEqual(self.sub_a.received_by_id, self.officer)

    def test_bulk_receive_checks_each_form(self):
        """A unit head cannot receive through the bulk action."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        result = self.sub_a.with_user(self.head_a).action_receive_bulk()
        self.assertEqual(self.sub_a.state, "approved")
        self.assertIn("Not done (1)", result["params"]["message"])

    def test_archived_round_banner_flag(self):
        """A form left waiting in an archived round shows the banner."""
        self._fill_and_submit(self.sub_a)
        self.assertFalse(self.sub_a.round_archived_waiting)
        self.round.sudo().state = "archived"
        self.sub_a.invalidate_recordset(["round_archived_waiting"])
        self.assertTrue(self.sub_a.round_archived_waiting)
        self.assertFalse(self.sub_a.with_user(self.head_a).can_approve)


@tagged("post_install", "-at_install")
class TestDashboard(VcSurveyCommon):
    """The round's dashboard figures and what they open."""

    def test_figures_and_their_forms(self):
        """Counts by progress and status; each opens the forms behind it."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self._fill_and_submit(self.sub_b)
        rnd = self.round.with_user(self.leader)
        self.assertEqual(rnd.dash_not_sent, 1)  # the IT centre
        self.assertEqual(rnd.dash_submitted, 1)
        self.assertEqual(rnd.dash_approved, 1)
        self.assertEqual(rnd.dash_received, 0)
        self.assertGreater(rnd.dash_days_left, 0)
        action = rnd.with_context(vc_figure="submitted").action_dashboard_forms()
        forms = self.env["vc.survey.submission"].search(action["domain"])
        self.assertEqual(forms, self.sub_b)
        # the filled district form reports its whole system stable (I.4)
        self.assertEqual(rnd.dash_pd_stable, 1)
        action = rnd.with_context(
            vc_network="province_district", vc_status="stable"
        ).action_dashboard_statuses()
        self.assertEqual(
            self.env["vc.survey.submission"].search(action["domain"]), self.sub_a
        )


@tagged("post_install", "-at_install")
class TestMessages(VcSurveyCommon):
    """Messages a Vietnamese reader sees."""

    def test_invalid_ip_names_the_endpoint_once(self):
        """ "Điểm cầu Alpha: …", not "Endpoint Điểm cầu Alpha: …"."""
        with self.assertRaises(ValidationError) as caught:
            self.endpoint_a.write({"ip_address": "10.160.3.999"})
        self.assertTrue(
            str(caught.exception).startswith("Điểm cầu Alpha: 10.160.3.999"),
            str(caught.exception),
        )

    def test_creation_message_names_the_record_kind(self):
        """The chatter's creation line is a translatable sentence of its own."""
        self.assertEqual(
            self.district_a.with_context(lang="en_US")._creation_message(),
            "Unit created",
        )
        self.assertEqual(
            self.sub_a.with_context(lang="en_US")._creation_message(),
            "Survey Submission created",
        )
