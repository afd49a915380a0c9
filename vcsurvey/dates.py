"""The one date parser of the core's plain-data inputs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def parse_date(value: Any, key: str = "date") -> date | None:
    """``date``/``datetime``/ISO ``"2017-12-20"``/``"20/12/2017"``/None.

    False (Odoo's empty field) and "" count as None; Odoo serialises
    datetimes as "2018-01-09 08:15:00", of which the day is kept.  Anything
    else raises ValueError naming ``key``.
    """
    if value is None or value is False or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt, part in (("%Y-%m-%d", text[:10]), ("%d/%m/%Y", text)):
            try:
                return datetime.strptime(part, fmt).date()
            except ValueError:
                continue
    raise ValueError(
        f"{key}: {value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)"
    )
