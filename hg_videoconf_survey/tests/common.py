from datetime import timedelta

from odoo import fields
from odoo.tests import Form, TransactionCase, new_test_user

MODULE = "hg_videoconf_survey"


class VcCommon(TransactionCase):
    """Two districts with their communes, the department, the IT centre and a
    user per role; built here, never taken from the demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.level_province = ref(f"{MODULE}.unit_level_province")
        cls.level_district = ref(f"{MODULE}.unit_level_district")
        cls.level_commune = ref(f"{MODULE}.unit_level_commune")
        cls.level_centre = ref(f"{MODULE}.unit_level_centre")
        cls.level_department = ref(f"{MODULE}.unit_level_department")
        unit = cls._unit
        cls.province = unit("UBND tỉnh T", "T", cls.level_province)
        cls.department = unit(
            "Sở TT&TT T", "T-STTTT", cls.level_department, cls.province
        )
        cls.centre = unit(
            "Trung tâm CNTT&TT T", "T-TT", cls.level_centre, cls.department
        )
        cls.district_a = unit(
            "UBND huyện Alpha", "T-A", cls.level_district, cls.province
        )
        cls.district_b = unit(
            "UBND huyện Bêta", "T-B", cls.level_district, cls.province
        )
        cls.commune_a = unit(
            "UBND xã Alpha 1", "T-A1", cls.level_commune, cls.district_a
        )
        g = f"{MODULE}.group_"
        cls.preparer_a = cls._user("prep_a", g + "unit_preparer", cls.district_a)
        cls.head_a = cls._user("head_a", g + "unit_head", cls.district_a)
        cls.deputy_a = cls._user("deputy_a", g + "unit_head", cls.district_a)
        cls.preparer_b = cls._user("prep_b", g + "unit_preparer", cls.district_b)
        cls.head_b = cls._user("head_b", g + "unit_head", cls.district_b)
        cls.preparer_c = cls._user("prep_c", g + "unit_preparer", cls.centre)
        cls.head_c = cls._user("head_c", g + "unit_head", cls.centre)
        cls.officer = cls._user("officer", g + "department_officer", cls.department)
        cls.leader = cls._user("leader", g + "department_leader", cls.department)
        cls.clerk = cls._user("clerk", g + "records_clerk", cls.department)
        cls.outsider = new_test_user(
            cls.env, login="outsider", groups="base.group_user"
        )
        cls.district_a.write(
            {
                "head_id": cls.head_a.id,
                "deputy_ids": [(6, 0, cls.deputy_a.ids)],
                "preparer_ids": [(6, 0, cls.preparer_a.ids)],
            }
        )
        cls.district_b.write(
            {"head_id": cls.head_b.id, "preparer_ids": [(6, 0, cls.preparer_b.ids)]}
        )
        cls.centre.write(
            {"head_id": cls.head_c.id, "preparer_ids": [(6, 0, cls.preparer_c.ids)]}
        )
        Endpoint = cls.env["vc.endpoint"]
        cls.endpoint_a = Endpoint.create(
            {
                "name": "Điểm cầu Alpha",
                "unit_id": cls.district_a.id,
                "network": "province_district",
                "ip_address": "10.99.1.10",
            }
        )
        cls.endpoint_a1 = Endpoint.create(
            {
                "name": "Điểm cầu xã Alpha 1",
                "unit_id": cls.commune_a.id,
                "network": "district_commune",
                "ip_address": "10.99.1.101",
            }
        )
        cls.endpoint_b = Endpoint.create(
            {
                "name": "Điểm cầu Bêta",
                "unit_id": cls.district_b.id,
                "network": "province_district",
                "ip_address": "10.99.2.10",
            }
        )
        Operator = cls.env["vc.operator"]
        cls.operator_a = Operator.create(
            {
                "name": "Nguyễn Văn A",
                "unit_id": cls.district_a.id,
                "phone": "0912345678",
                "email": "nva@example.gov.vn",
                "endpoint_ids": [(6, 0, cls.endpoint_a.ids)],
            }
        )
        cls.operator_b = Operator.create(
            {
                "name": "Trần Thị B",
                "unit_id": cls.district_b.id,
                "phone": "0987654321",
                "email": "ttb@example.gov.vn",
            }
        )
        cls.mcu = cls.env["vc.mcu"].create(
            {
                "name": "MCU T",
                "ip_address": "10.99.0.2",
                "owner_unit_id": cls.centre.id,
            }
        )

    @classmethod
    def _unit(cls, name, code, level, parent=None):
        return cls.env["vc.unit"].create(
            {
                "name": name,
                "code": code,
                "level_id": level.id,
                "parent_id": parent.id if parent else False,
            }
        )

    @classmethod
    def _user(cls, login, group, unit):
        user = new_test_user(
            cls.env, login=login, groups=f"base.group_user,{group}", name=login
        )
        user.vc_unit_id = unit
        return user


class VcSurveyCommon(VcCommon):
    """A dispatched round addressed to two districts and the IT centre."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.round = cls._make_round(year=2017)
        cls.round.with_user(cls.officer).action_dispatch()
        subs = cls.round.submission_ids
        cls.sub_a = subs.filtered(lambda s: s.unit_id == cls.district_a)
        cls.sub_b = subs.filtered(lambda s: s.unit_id == cls.district_b)
        cls.sub_c = subs.filtered(lambda s: s.unit_id == cls.centre)

    @classmethod
    def _make_round(cls, year):
        return (
            cls.env["vc.survey.round"]
            .with_user(cls.officer)
            .create(
                {
                    "name": f"Khảo sát năm {year}",
                    "year": year,
                    "subject": "báo cáo công tác quản lý, vận hành hệ thống giao ban "
                    f"trực tuyến trên địa bàn tỉnh năm {year}",
                    "deadline": fields.Date.today() + timedelta(days=30),
                    "signer_name": "Nguyễn Văn Tuệ",
                    "line_ids": [
                        (0, 0, {"unit_id": cls.district_a.id, "form_type": "district"}),
                        (0, 0, {"unit_id": cls.district_b.id, "form_type": "district"}),
                        (0, 0, {"unit_id": cls.centre.id, "form_type": "center"}),
                    ],
                }
            )
        )

    @staticmethod
    def _fill_district_form(form):
        form.q_b_name = "Trần Văn Bình"
        form.q_b_position = "Chuyên viên"
        form.q_b_phone = "0987654301"
        form.q_b_email = "tvbinh@example.gov.vn"
        form.q_i_1_location = "Hội trường UBND huyện"
        form.q_i_1_meetings = 24
        form.q_i_2 = "yes"
        form.q_i_3_camera = "stable"
        form.q_i_3_microphone = "stable"
        form.q_i_3_audio = "unstable"
        form.q_i_3_vcs = "stable"
        form.q_i_4 = "stable"
        form.q_i_5 = "no"
        form.q_i_7 = "yes"
        form.q_i_8 = "no"
        form.q_i_9 = "Tiết kiệm chi phí đi lại"
        for name, phone, email in (
            ("Nguyễn Văn A", "0912345678", "nva@example.gov.vn"),
            ("Lê Thị B", "02193856123", "ltb@example.gov.vn"),
        ):
            with form.q_i_10_ids.new() as line:
                line.name = name
                line.position = "Chuyên viên"
                line.phone = phone
                line.email = email
        with form.q_i_6_ids.new() as incident:
            incident.symptom = "Mất tiếng"
            incident.count = 2
            incident.cause = "Lỏng dây micro"
        form.q_ii_1_endpoints = 1
        form.q_ii_1_communes = 1
        form.q_ii_1_communes_without_endpoint = 0
        form.q_ii_1_meetings = 6
        form.q_ii_2_camera = "unstable"
        form.q_ii_2_microphone = "stable"
        form.q_ii_2_audio = "stable"
        form.q_ii_2_vcs = "stable"
        form.q_ii_3 = "unstable"
        form.q_ii_4 = "no"
        form.q_ii_6 = "yes"
        form.q_ii_7 = "yes"

    @staticmethod
    def _fill_center_form(form):
        form.q_b_name = "Phạm Quốc Hưng"
        form.q_b_phone = "0912345601"
        form.q_c_1_name = "Phạm Quốc Hưng"
        form.q_c_1_phone = "0912345601"
        form.q_c_1_email = "pqhung@example.gov.vn"
        form.q_c_1_endpoint = "Văn phòng UBND tỉnh"
        form.q_c_1_sessions = 40
        form.q_c_1_level4 = 5
        form.q_c_1_level3 = 10
        form.q_c_1_level2 = 25
        form.q_c_2 = "yes"
        form.q_c_3 = "one_hour_before"
        form.q_c_4 = 12.5
        form.q_c_5_mcu_ip = "10.99.0.2"
        form.q_c_5_maintenance = "yes"
        form.q_c_7 = "yes"
        form.q_c_8_full = "no"

    def _fill_and_submit(self, sub):
        user = sub.unit_id.preparer_ids[:1]
        with Form(sub.with_user(user)) as form:
            if sub.form_type == "district":
                self._fill_district_form(form)
            else:
                self._fill_center_form(form)
        sub.with_user(user).action_submit()
