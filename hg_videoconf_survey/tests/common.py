from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user

MODULE = "hg_videoconf_survey"


class VcCommon(TransactionCase):
    """Two districts with their communes, the department, the IT centre and a
    user per role; built here, never taken from the demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # the issuing agency of 2017, whatever the demo data set
        cls.env.company.write(
            {
                "vc_parent_agency": "UBND TỈNH HÀ GIANG",
                "vc_agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
                "vc_place": "Hà Giang",
                "vc_notation": "STTTT-CNTT",
                "vc_drafting_unit": "CNTT",
                "vc_signer_title": "GIÁM ĐỐC",
                "vc_signer_name": False,
                "vc_reply_email": False,
            }
        )
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
    def _form(cls, form_type):
        return cls.env.ref(f"{MODULE}.form_2017_{form_type}")

    @classmethod
    def _make_round(cls, year):
        district, center = cls._form("district"), cls._form("center")
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
                        (0, 0, {"unit_id": cls.district_a.id, "form_id": district.id}),
                        (0, 0, {"unit_id": cls.district_b.id, "form_id": district.id}),
                        (0, 0, {"unit_id": cls.centre.id, "form_id": center.id}),
                    ],
                }
            )
        )

    @staticmethod
    def _district_answers():
        return {
            "B.name": "Trần Văn Bình",
            "B.position": "Chuyên viên",
            "B.phone": "0987654301",
            "B.email": "tvbinh@example.gov.vn",
            "I.1.location": "Hội trường UBND huyện",
            "I.1.meetings": 24,
            "I.2": True,
            "I.3.camera": "stable",
            "I.3.microphone": "stable",
            "I.3.audio": "unstable",
            "I.3.vcs": "stable",
            "I.4": "stable",
            "I.5": False,
            "I.7": True,
            "I.8": False,
            "I.9": "Tiết kiệm chi phí đi lại",
            "I.10": [
                {
                    "name": name,
                    "position": "Chuyên viên",
                    "phone": phone,
                    "email": email,
                }
                for name, phone, email in (
                    ("Nguyễn Văn A", "0912345678", "nva@example.gov.vn"),
                    ("Lê Thị B", "02193856123", "ltb@example.gov.vn"),
                )
            ],
            "I.6": [{"symptom": "Mất tiếng", "count": 2, "cause": "Lỏng dây micro"}],
            "II.1.endpoints": 1,
            "II.1.communes": 1,
            "II.1.communes_without_endpoint": 0,
            "II.1.meetings": 6,
            "II.2.camera": "unstable",
            "II.2.microphone": "stable",
            "II.2.audio": "stable",
            "II.2.vcs": "stable",
            "II.3": "unstable",
            "II.4": False,
            "II.6": True,
            "II.7": True,
        }

    @staticmethod
    def _center_answers():
        return {
            "B.name": "Phạm Quốc Hưng",
            "B.phone": "0912345601",
            "C.1.name": "Phạm Quốc Hưng",
            "C.1.phone": "0912345601",
            "C.1.email": "pqhung@example.gov.vn",
            "C.1.endpoint": "Văn phòng UBND tỉnh",
            "C.1.sessions": 40,
            "C.1.level4": 5,
            "C.1.level3": 10,
            "C.1.level2": 25,
            "C.2": True,
            "C.3": "one_hour_before",
            "C.4": 12.5,
            "C.5.mcu_ip": "10.99.0.2",
            "C.5.maintenance": True,
            "C.7": True,
            "C.8.full": False,
        }

    def _fill(self, sub):
        user = sub.unit_id.preparer_ids[:1]
        answers = (
            self._district_answers()
            if sub.form_type == "district"
            else self._center_answers()
        )
        sub.with_user(user).set_answers(answers)

    def _fill_and_submit(self, sub):
        # also called on the class from setUpClass (self is the class then)
        VcSurveyCommon._fill(self, sub)
        sub.with_user(sub.unit_id.preparer_ids[:1]).action_submit()
