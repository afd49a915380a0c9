"""Whether the tests can use a real LibreOffice, shared by the test modules."""

import pytest

from vcsurvey import render
from vcsurvey.render import RenderError


def soffice_problem() -> str:
    """Why LibreOffice cannot be used here ("" when it can)."""
    try:
        render.soffice_binary()
    except RenderError as exc:
        return str(exc)
    return ""


def have_soffice() -> bool:
    return not soffice_problem()


needs_soffice = pytest.mark.skipif(
    not have_soffice(), reason=f"LibreOffice unavailable: {soffice_problem()}"
)
