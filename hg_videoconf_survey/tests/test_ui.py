import json

from odoo.tests import HttpCase, new_test_user, tagged

from .common import VcSurveyCommon

# Waits for the submission form, opens the part I tab and checks that the
# paper form's Vietnamese texts are on screen; any console error fails.
CHECK_DISTRICT_FORM = """
const wanted = %s;
const started = Date.now();
const timer = setInterval(() => {
    const tab = document.querySelector("a[name='page_answers']");
    if (!tab) {
        if (Date.now() - started > 20000) {
            clearInterval(timer);
            console.error("the answers tab never appeared");
        }
        return;
    }
    clearInterval(timer);
    tab.click();
    setTimeout(() => {
        const text = document.body.innerText;
        const missing = wanted.filter((w) => !text.includes(w));
        if (missing.length) {
            console.error("missing on the form: " + missing.join(" | "));
        } else {
            console.log("test successful");
        }
    }, 1500);
}, 250);
"""


@tagged("post_install", "-at_install")
class TestWebUi(VcSurveyCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("vi_VN")
        cls.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "hg_videoconf_survey"], ["vi_VN"]
        )
        cls.preparer_a.lang = "vi_VN"

    def test_login_page_served(self):
        """The login page is served."""
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn("login", response.text)

    def test_registry_labels_in_vietnamese(self):
        """A Vietnamese user gets the registry's labels in Vietnamese."""
        fields = (
            self.env["vc.endpoint"]
            .with_user(self.preparer_a)
            .with_context(lang="vi_VN")
            .fields_get(["ip_address", "network", "unit_id"])
        )
        self.assertEqual(fields["unit_id"]["string"], "Đơn vị")
        self.assertIn("IP", fields["ip_address"]["string"])
        self.assertIn(
            ("province_district", "Tỉnh ↔ huyện"), fields["network"]["selection"]
        )

    def test_district_form_in_browser(self):
        """The district form opens in the browser, in Vietnamese, like the paper."""
        wanted = [
            "PHIẾU KHẢO SÁT TÌNH HÌNH HOẠT ĐỘNG HỆ THỐNG GIAO BAN ĐIỆN TỬ",
            "Địa chỉ IP của điểm cầu",
            "Tình trạng hoạt động của thiết bị Camera",
            "Ổn định",
            "Không ổn định",
            "Không hoạt động",
        ]
        self.browser_js(
            f"/odoo/action-hg_videoconf_survey.vc_survey_submission_action/{self.sub_a.id}",
            CHECK_DISTRICT_FORM % json.dumps(wanted),
            login="prep_a",
            timeout=90,
        )


OPEN_FORM = """
const started = Date.now();
const timer = setInterval(() => {
    if (document.querySelector(".o_form_view .o_notebook")) {
        clearInterval(timer);
        console.log("test successful");
    } else if (Date.now() - started > 20000) {
        clearInterval(timer);
        console.error("the form never appeared");
    }
}, 250);
"""


@tagged("post_install", "-at_install")
class TestWebUiDepartment(VcSurveyCommon, HttpCase):
    def test_round_form_in_browser(self):
        """The officer opens the round form in the browser without errors."""
        self.browser_js(
            f"/odoo/action-hg_videoconf_survey.vc_survey_round_action/{self.round.id}",
            OPEN_FORM,
            login="officer",
            timeout=90,
        )

    def test_centre_form_in_browser(self):
        """The IT centre's preparer opens the centre form without errors."""
        self.browser_js(
            f"/odoo/action-hg_videoconf_survey.vc_survey_submission_action/{self.sub_c.id}",
            OPEN_FORM,
            login="prep_c",
            timeout=90,
        )


@tagged("post_install", "-at_install")
class TestNoAccessWithoutRole(HttpCase):
    def test_outsider_has_no_menu(self):
        """An internal user without a survey role does not get the app menu."""
        user = new_test_user(self.env, login="nobody", groups="base.group_user")
        menus = (
            self.env["ir.ui.menu"]
            .with_user(user)
            .search([("id", "=", self.env.ref("hg_videoconf_survey.vc_menu_root").id)])
        )
        self.assertFalse(menus)


@tagged("post_install", "-at_install")
class TestDashboardTour(VcSurveyCommon, HttpCase):
    def test_dashboard_tour(self):
        """The leader reads the dashboard and opens the forms behind a figure."""
        self._fill_and_submit(self.sub_a)
        self.sub_a.with_user(self.head_a).action_approve()
        self._fill_and_submit(self.sub_b)
        self.start_tour(
            "/odoo/action-hg_videoconf_survey.vc_survey_round_action_dashboard",
            "vc_dashboard_tour",
            login="leader",
        )
