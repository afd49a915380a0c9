from odoo.tests import TransactionCase, new_test_user

MODULE = "hg_videoconf_survey"


class VcCommon(TransactionCase):
    """Two districts with their communes, the department, the IT centre and a
    user per role; built here, never taken from the demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Unit = cls.env["vc.unit"]
        ref = cls.env.ref
        cls.level_province = ref(f"{MODULE}.unit_level_province")
        cls.level_district = ref(f"{MODULE}.unit_level_district")
        cls.level_commune = ref(f"{MODULE}.unit_level_commune")
        cls.level_centre = ref(f"{MODULE}.unit_level_centre")
        cls.level_department = ref(f"{MODULE}.unit_level_department")
        cls.province = Unit.create(
            {"name": "UBND tỉnh T", "code": "T", "level_id": cls.level_province.id}
        )
        cls.department = Unit.create(
            {
                "name": "Sở TT&TT T",
                "code": "T-STTTT",
                "level_id": cls.level_department.id,
                "parent_id": cls.province.id,
            }
        )
        cls.centre = Unit.create(
            {
                "name": "Trung tâm CNTT&TT T",
                "code": "T-TT",
                "level_id": cls.level_centre.id,
                "parent_id": cls.department.id,
            }
        )
        cls.district_a = Unit.create(
            {
                "name": "UBND huyện Alpha",
                "code": "T-A",
                "level_id": cls.level_district.id,
                "parent_id": cls.province.id,
            }
        )
        cls.district_b = Unit.create(
            {
                "name": "UBND huyện Bêta",
                "code": "T-B",
                "level_id": cls.level_district.id,
                "parent_id": cls.province.id,
            }
        )
        cls.commune_a = Unit.create(
            {
                "name": "UBND xã Alpha 1",
                "code": "T-A1",
                "level_id": cls.level_commune.id,
                "parent_id": cls.district_a.id,
            }
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
    def _user(cls, login, group, unit):
        user = new_test_user(
            cls.env, login=login, groups=f"base.group_user,{group}", name=login
        )
        user.vc_unit_id = unit
        return user
