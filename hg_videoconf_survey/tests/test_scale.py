"""Costs that must not grow with the number of units: dispatch in batches,
the round's counters. Query counts only (no timing in tests)."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MODULE, VcCommon


class ScaleCommon(VcCommon):
    """24 district-level units, each with its preparer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.env["vc.unit"]
        cls.preparers = cls.env["res.users"]
        for i in range(24):
            unit = cls._unit(f"UBND xã Thử {i}", f"T-X{i}", cls.level_district)
            user = cls._user(f"prep_x{i}", f"{MODULE}.group_unit_preparer", unit)
            unit.preparer_ids = user
            cls.many |= unit
            cls.preparers |= user

    def _round(self, units, year):
        district = self.env.ref(f"{MODULE}.form_2017_district")
        return (
            self.env["vc.survey.round"]
            .with_user(self.officer)
            .create(
                {
                    "name": f"Khảo sát {year}",
                    "year": year,
                    "subject": "thử",
                    "deadline": fields.Date.today() + timedelta(days=30),
                    "line_ids": [
                        (0, 0, {"unit_id": u.id, "form_id": district.id}) for u in units
                    ],
                }
            )
        )


@tagged("post_install", "-at_install")
class TestScale(ScaleCommon):
    def test_dispatch_queries_per_batch(self):
        """Dispatching 8 or 24 units costs about the same number of queries
        (bound per batch, not per unit), and every unit gets its form,
        followers, message and activity."""
        small = self._round(self.many[:8], 2030)
        large = self._round(self.many, 2031)
        # the same bound for 8 and 24 units: a constant per batch
        self.env.invalidate_all()
        with self.assertQueryCount(130):
            small.with_user(self.officer).action_dispatch()
        self.env.invalidate_all()
        with self.assertQueryCount(130):
            large.with_user(self.officer).action_dispatch()
        subs = large.submission_ids
        self.assertEqual(len(subs), 24)
        for sub in subs:
            user = self.preparers.filtered(lambda u, s=sub: u.vc_unit_id == s.unit_id)
            self.assertIn(user.partner_id, sub.message_partner_ids)
            self.assertEqual(sub.activity_ids.user_id, user)
            message = sub.message_ids.filtered(
                lambda m, u=user: u.partner_id in m.partner_ids
            )
            self.assertEqual(len(message), 1)
            self.assertIn(sub.unit_id.name, message.body)
        # run again: nothing is created twice
        self.assertEqual(large._dispatch_lines(large.line_ids), 0)
        self.assertEqual(len(large.submission_ids), 24)

    def test_counters_queries_per_batch(self):
        """The round's counters and missing units: a constant number of queries."""
        rnd = self._round(self.many, 2032)
        rnd.with_user(self.officer).action_dispatch()
        subs = rnd.submission_ids
        subs[:5].sudo().write({"state": "approved"})
        subs[5:7].sudo().write({"state": "received", "is_late": True})
        subs[7:9].sudo().write({"state": "submitted"})
        rnd = rnd.with_user(self.officer)
        self.env.invalidate_all()
        with self.assertQueryCount(16):
            self.assertEqual(rnd.count_addressed, 24)
            self.assertEqual(rnd.count_approved, 5)
            self.assertEqual(rnd.count_received, 2)
            self.assertEqual(rnd.count_done, 7)
            self.assertEqual(rnd.count_submitted, 2)
            self.assertEqual(rnd.count_late, 2)
            self.assertEqual(len(rnd.missing_unit_ids), 17)
            self.assertAlmostEqual(rnd.progress, 700 / 24, places=2)
        self.assertEqual(rnd.missing_unit_ids, (subs - subs[:7]).unit_id)
