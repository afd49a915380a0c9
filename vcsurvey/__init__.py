"""Framework-free core of the video-conference survey (no Odoo import here).

Form definitions, validation, consolidation, rendering and Excel I/O work on
plain data so that they can be tested and used without Odoo.
"""

__version__ = "18.0.1.0.0"
