import io

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import trans_export


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_term_of_the_code_is_in_vi_po(self):
        """Every term the addon shows has its Vietnamese translation in vi.po."""
        buffer = io.BytesIO()
        trans_export(False, ["hg_videoconf_survey"], buffer, "po", self.env.cr)
        exported = polib.pofile(buffer.getvalue().decode())
        self.assertGreater(len(exported), 100)
        vi = polib.pofile(file_path("hg_videoconf_survey/i18n/vi.po"))
        translated = {e.msgid for e in vi if e.msgstr.strip()}
        missing = [e.msgid for e in exported if e.msgid not in translated]
        self.assertFalse(
            missing, f"{len(missing)} terms lack Vietnamese (./dev i18n): {missing[:8]}"
        )

    def test_vietnamese_user_sees_vietnamese_menus(self):
        """The app menus read in Vietnamese for a Vietnamese user."""
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(
            ["hg_videoconf_survey"], ["vi_VN"], overwrite=True
        )
        root = self.env.ref("hg_videoconf_survey.vc_menu_root").with_context(
            lang="vi_VN"
        )
        self.assertEqual(root.name, "Khảo sát giao ban trực tuyến")
        names = root.child_id.mapped("name")
        self.assertIn("Danh mục", names)
