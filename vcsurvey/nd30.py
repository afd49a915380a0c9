"""Formatting rules of Nghị định 30/2020/NĐ-CP for administrative documents.

Pure helpers shared by every document the product prints: the number line,
the place-and-date line, the "Kính gửi" and "Nơi nhận" lists and the signer
block.  See ``shared/reference/documents-standards.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

NATIONAL_MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_SLOGAN = "Độc lập - Tự do - Hạnh phúc"
# Delegation prefixes of the signer's authority line (ND30 appendix I, box 7a).
DELEGATIONS = ("", "KT.", "TM.", "Q.", "TL.", "TUQ.")


def format_number(number: int | None, notation: str) -> str:
    """``"Số: 05/STTTT-CNTT"``; an unnumbered draft keeps a blank to fill."""
    if number is None:
        return f"Số:        /{notation}"
    if number < 1:
        raise ValueError(f"document number must be positive, got {number}")
    return f"Số: {number:02d}/{notation}"


def format_date_line(place: str, day: date | None) -> str:
    """``"Hà Giang, ngày 05 tháng 01 năm 2018"`` (leading zeros as ND30 asks:
    days below 10, months 1 and 2); a draft without date keeps blanks."""
    if day is None:
        return f"{place}, ngày     tháng     năm     "
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def format_date(day: date) -> str:
    """Short date as used inside a body text: ``10/01/2018``."""
    return day.strftime("%d/%m/%Y")


def recipient_lines(recipients: list[str]) -> list[str]:
    """The "Kính gửi" entries: one recipient stands alone; several get
    "- " each, ";" after each but the last, which gets "."."""
    names = [r.strip().rstrip(";.") for r in recipients if r and r.strip()]
    if len(names) <= 1:
        return names
    return [f"- {n};" for n in names[:-1]] + [f"- {names[-1]}."]


def cc_lines(
    cc: list[str], archive: str = "Lưu: VT, CNTT.", first: str = "Như kính gửi"
) -> list[str]:
    """The "Nơi nhận" entries: "- Như kính gửi;" first, then each copy
    recipient "- …;", then "- Lưu: VT, CNTT."."""
    lines = [f"- {first};"] if first else []
    lines += [f"- {c.strip().rstrip(';.')};" for c in cc if c and c.strip()]
    lines.append(f"- {archive.rstrip('.')}.")
    return lines


@dataclass(frozen=True)
class Signer:
    """Box 7a/7b: authority line, optional position line, full name."""

    title: str  # authority of the agency head, e.g. "GIÁM ĐỐC"
    name: str
    delegation: str = ""  # "KT." when a deputy signs for the head
    position: str = ""  # the deputy's own position, e.g. "PHÓ GIÁM ĐỐC"

    def __post_init__(self) -> None:
        if self.delegation not in DELEGATIONS:
            raise ValueError(f"unknown delegation {self.delegation!r}")

    @property
    def authority_line(self) -> str:
        prefix = f"{self.delegation} " if self.delegation else ""
        return f"{prefix}{self.title}".upper()

    @property
    def position_line(self) -> str:
        return self.position.upper() if self.delegation else ""
