"""Where the ODT templates live.

The shipped templates sit inside the Odoo addon
(``hg_videoconf_survey/report/templates``, next to this package) so that the
addon and the CLI print the same documents; ``$VCSURVEY_TEMPLATE_DIR`` points
elsewhere, e.g. at an administrator's replacements.
"""

from __future__ import annotations

import os
from pathlib import Path

from vcsurvey.render import RenderError

TEMPLATE_DIR_ENV = "VCSURVEY_TEMPLATE_DIR"
_REPO = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE_DIR = _REPO / "hg_videoconf_survey" / "report" / "templates"


class TemplateNotFound(RenderError, FileNotFoundError):
    """The named template is not in the template directory (a RenderError,
    so that callers printing documents need to catch one type only)."""


def template_dir() -> Path:
    configured = os.environ.get(TEMPLATE_DIR_ENV)
    return Path(configured) if configured else DEFAULT_TEMPLATE_DIR


def template_path(name: str) -> Path:
    """Path of template ``name`` (``"dispatch.odt"``; the suffix may be left
    off); :class:`TemplateNotFound` names it and the directory searched."""
    filename = name if name.endswith(".odt") else f"{name}.odt"
    directory = template_dir()
    path = directory / filename
    if not path.is_file():
        origin = f"${TEMPLATE_DIR_ENV}" if os.environ.get(TEMPLATE_DIR_ENV) else "the"
        raise TemplateNotFound(
            f"template {filename!r} not found in {origin} template directory "
            f"{directory}"
        )
    return path
