import re

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import VcCommon


@tagged("post_install", "-at_install")
class TestRegistry(VcCommon):
    def test_unit_tree_and_partner(self):
        """A unit gets a contact partner and its complete name shows the tree."""
        self.assertTrue(self.commune_a.partner_id)
        self.assertEqual(
            self.commune_a.complete_name,
            "UBND tỉnh T / UBND huyện Alpha / UBND xã Alpha 1",
        )
        self.assertIn(self.commune_a, self.district_a.child_ids)

    def test_unit_cycle_refused(self):
        """A unit cannot become its own ancestor."""
        with self.assertRaises(UserError):
            self.district_a.parent_id = self.commune_a

    def test_unit_members_must_belong(self):
        """The head of a unit must be a user of that unit."""
        with self.assertRaisesRegex(ValidationError, "head_b"):
            self.district_a.head_id = self.head_b

    def test_levels_are_configurable(self):
        """A new level can be added as data and used for a unit."""
        level = self.env["vc.unit.level"].create({"name": "Cụm xã", "code": "cluster"})
        unit = self.env["vc.unit"].create(
            {
                "name": "Cụm Alpha",
                "code": "T-AC",
                "level_id": level.id,
                "parent_id": self.district_a.id,
            }
        )
        self.assertEqual(unit.level_id.code, "cluster")

    def test_invalid_ip_refused(self):
        """An invalid IP address is refused with a message naming it."""
        for bad in ("10.0.0.256", "abc", "10.0.0", "1::2::3"):
            with self.assertRaisesRegex(ValidationError, "không phải|not a valid"):
                self.endpoint_a.ip_address = bad

    def test_ipv6_accepted_and_normalized(self):
        """IPv6 is accepted and stored in canonical form."""
        self.endpoint_a.ip_address = "2001:0DB8:0000:0000:0000:0000:0000:0001"
        self.assertEqual(self.endpoint_a.ip_address, "2001:db8::1")

    def test_ip_unique_among_active(self):
        """Two active endpoints cannot share an IP; an archived one can."""
        with self.assertRaisesRegex(ValidationError, "Điểm cầu Bêta"):
            self.endpoint_a.ip_address = "10.99.2.10"
        self.endpoint_b.active = False
        self.endpoint_a.ip_address = "10.99.2.10"
        with self.assertRaises(ValidationError):
            self.endpoint_b.active = True

    def test_ip_unique_across_units_for_unit_user(self):
        """A preparer cannot reuse an IP of another unit's endpoint they can't
        see, and is not told whose it is."""
        with self.assertRaisesRegex(ValidationError, r"10\.99\.2\.10") as caught:
            self.env["vc.endpoint"].with_user(self.preparer_a).create(
                {
                    "name": "Trùng IP",
                    "unit_id": self.district_a.id,
                    "network": "other",
                    "ip_address": "10.99.2.10",
                }
            )
        self.assertNotIn("Bêta", str(caught.exception))

    def test_mcu_ip_validated(self):
        """An MCU's IP is validated too."""
        with self.assertRaisesRegex(ValidationError, "MCU T"):
            self.mcu.ip_address = "300.1.1.1"

    def test_operator_phone_and_email_validated(self):
        """Bad phone numbers and e-mails are refused, good ones accepted."""
        Operator = self.env["vc.operator"]
        base = {"name": "Kiểm tra", "unit_id": self.district_a.id}
        for bad in ("12345", "0112345678", "09123456789", "+1 555 123 4567"):
            with self.assertRaisesRegex(ValidationError, re.escape(bad)):
                Operator.create(dict(base, phone=bad))
        for bad in ("a@b", "no-at-sign.vn", "a b@c.vn"):
            with self.assertRaisesRegex(ValidationError, re.escape(bad)):
                Operator.create(dict(base, email=bad))
        for good in ("0912 345 678", "+84 912 345 678", "0219 3856 123"):
            self.operator_a.phone = good
        self.operator_a.email = "ten.ho@hagiang.gov.vn"

    def test_operator_endpoint_of_other_unit_refused(self):
        """A focal officer cannot be attached to another district's endpoint."""
        with self.assertRaisesRegex(ValidationError, "Điểm cầu Bêta"):
            self.operator_a.endpoint_ids = [(4, self.endpoint_b.id)]

    def test_operator_form(self):
        """An officer registers an operator through the form."""
        with Form(self.env["vc.operator"].with_user(self.officer)) as form:
            form.name = "Lê Văn C"
            form.unit_id = self.district_b
            form.phone = "02438251234"
            form.email = "lvc@example.gov.vn"
            form.role = "focal"
        self.assertEqual(form.record.unit_id, self.district_b)


@tagged("post_install", "-at_install")
class TestRegistrySecurity(VcCommon):
    def test_preparer_reads_own_unit_only(self):
        """A preparer sees their unit's and communes' endpoints, not another's."""
        Endpoint = self.env["vc.endpoint"].with_user(self.preparer_a)
        visible = Endpoint.search([])
        self.assertIn(self.endpoint_a, visible)
        self.assertIn(self.endpoint_a1, visible)
        self.assertNotIn(self.endpoint_b, visible)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models"):
            self.endpoint_b.with_user(self.preparer_a).read(["name"])
        with self.assertRaises(AccessError):
            self.operator_b.with_user(self.preparer_a).read(["name"])

    def test_preparer_cannot_write_other_unit(self):
        """Writing another unit's endpoint or operator raises AccessError."""
        with self.assertRaises(AccessError):
            self.endpoint_b.with_user(self.preparer_a).write({"location": "x"})
        with self.assertRaises(AccessError):
            self.operator_b.with_user(self.head_a).write({"position": "x"})
        with self.assertRaises(AccessError):
            self.env["vc.endpoint"].with_user(self.preparer_a).create(
                {"name": "x", "unit_id": self.district_b.id, "network": "other"}
            )

    def test_preparer_edits_own_unit(self):
        """A preparer may update their own unit's endpoint and operator."""
        self.endpoint_a.with_user(self.preparer_a).write({"location": "Hội trường"})
        self.operator_a.with_user(self.preparer_a).write({"position": "Chuyên viên"})
        self.assertEqual(self.endpoint_a.location, "Hội trường")

    def test_unit_visibility(self):
        """A unit user sees own unit, its sub-units and parents, not siblings."""
        units = self.env["vc.unit"].with_user(self.preparer_a).search([])
        self.assertIn(self.district_a, units)
        self.assertIn(self.commune_a, units)
        self.assertIn(self.province, units)
        self.assertNotIn(self.district_b, units)
        with self.assertRaises(AccessError):
            self.province.with_user(self.head_a).write({"name": "x"})

    def test_mcu_only_for_owner_and_department(self):
        """The MCU is visible to its owner unit and the department only."""
        self.assertFalse(self.env["vc.mcu"].with_user(self.preparer_a).search([]))
        self.assertEqual(
            self.env["vc.mcu"].with_user(self.preparer_c).search([]), self.mcu
        )

    def test_department_reads_and_edits_all(self):
        """Officer and leader read everything; the officer edits the registry."""
        for user in (self.officer, self.leader):
            endpoints = self.env["vc.endpoint"].with_user(user).search([])
            self.assertTrue(
                {self.endpoint_a, self.endpoint_a1, self.endpoint_b} <= set(endpoints)
            )
            self.assertTrue(self.env["vc.operator"].with_user(user).search_count([]))
        self.endpoint_b.with_user(self.officer).write({"location": "Phòng họp"})
        self.mcu.with_user(self.officer).write({"location": "Phòng máy"})

    def test_clerk_reads_but_cannot_edit(self):
        """The records clerk reads the registry but cannot change it."""
        self.assertIn(
            self.endpoint_b, self.env["vc.endpoint"].with_user(self.clerk).search([])
        )
        with self.assertRaises(AccessError):
            self.endpoint_b.with_user(self.clerk).write({"location": "x"})

    def test_outsider_sees_nothing(self):
        """An internal user without a survey role sees no registry record."""
        for model in ("vc.unit", "vc.endpoint", "vc.mcu", "vc.operator"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.outsider).search([])

    def test_registry_forms_as_officer(self):
        """Units, endpoints with devices and MCUs are created through their forms."""
        officer = self.officer
        with Form(self.env["vc.unit"].with_user(officer)) as form:
            form.name = "UBND xã Beta 1"
            form.code = "T-B1"
            form.level_id = self.level_commune
            form.parent_id = self.district_b
        commune = form.record
        with Form(self.env["vc.endpoint"].with_user(officer)) as form:
            form.name = "Điểm cầu xã Beta 1"
            form.unit_id = commune
            form.network = "district_commune"
            form.ip_address = "10.99.2.101"
            with form.device_ids.new() as device:
                device.device_type = "camera"
                device.model = "Polycom EagleEye"
        self.assertEqual(form.record.device_ids.device_type, "camera")
        with Form(self.env["vc.mcu"].with_user(officer)) as form:
            form.name = "MCU dự phòng"
            form.ip_address = "10.99.0.3"
            form.owner_unit_id = self.centre
        self.assertEqual(form.record.ip_address, "10.99.0.3")
