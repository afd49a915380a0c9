"""Validators for the registry's contact and network fields.

Each ``check_*`` function returns ``None`` when the value is acceptable and an
error *rule id* otherwise; :func:`message` turns a rule id into a sentence in
English or Vietnamese.  ``normalize_*`` functions return the canonical form.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

# Vietnamese numbers: mobiles 0[35789]x xxx xxxx (10 digits), landlines 02xx
# (11 digits since 2017), toll-free/hotlines 1800/1900; "+84"/"84" may replace
# the leading 0.  Separators (space, dot, dash) and "(0xx)" are tolerated.
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_SERVICE = re.compile(r"^1[89]00\d{4,6}$")
# Pragmatic e-mail check: one "@", a dotted domain of letters/digits/hyphens,
# no spaces; what mail servers accept in practice for government addresses.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

# Characters XML 1.0 cannot carry (so neither ODT nor XLSX can): C0 controls
# but tab, newline and carriage return, U+FFFE/U+FFFF, and lone surrogates
# (which a Python str may hold after a JSON "\ud800").
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Longest answer per kind of field (characters).
TEXT_LIMITS = {"char": 512, "text": 10_000}

MESSAGES: dict[str, tuple[str, str]] = {
    # (written to follow "question label: ", as vcsurvey.validation's)
    "text_invalid_char": (
        "the answer contains a character that cannot be printed (%(char)s); "
        "remove it.",
        "câu trả lời chứa ký tự không in được (%(char)s); hãy xóa ký tự đó.",
    ),
    "text_too_long": (
        "the answer is too long (%(length)s characters, at most %(max)s).",
        "câu trả lời quá dài (%(length)s ký tự, tối đa %(max)s).",
    ),
    "ip_invalid": (
        "%(value)s is not a valid IPv4 or IPv6 address.",
        "%(value)s không phải là địa chỉ IPv4 hoặc IPv6 hợp lệ.",
    ),
    "phone_invalid": (
        "%(value)s is not a valid Vietnamese phone number "
        "(mobile 0xxxxxxxxx, landline 02xxxxxxxxx, or +84...).",
        "%(value)s không phải là số điện thoại Việt Nam hợp lệ "
        "(di động 0xxxxxxxxx, cố định 02xxxxxxxxx, hoặc +84...).",
    ),
    "email_invalid": (
        "%(value)s is not a valid e-mail address.",
        "%(value)s không phải là địa chỉ email hợp lệ.",
    ),
}


def message(rule: str, lang: str = "vi", **params: object) -> str:
    """Return the sentence for ``rule`` in ``lang`` ("vi" or "en")."""
    en, vi = MESSAGES[rule]
    text = vi if lang.startswith("vi") else en
    return text % params


def normalize_ip(value: str) -> str:
    """Return the canonical text of an IP address (raises ValueError).

    An IPv6 zone id ("fe80::1%eth0") names an interface of one host, not an
    address of the network: refused.  An IPv4-mapped IPv6 address
    ("::ffff:10.0.0.1") is the IPv4 address itself, so that the duplicate
    check sees one address whichever way it is written.
    """
    text = value.strip()
    if "%" in text:
        raise ValueError(f"{text!r} carries an IPv6 zone id")
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(address)


def check_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        normalize_ip(value)
    except ValueError:
        return "ip_invalid"
    return None


def normalize_phone(value: str) -> str:
    """Digits only, with a leading 0 instead of +84/84."""
    digits = _PHONE_SEPARATORS.sub("", value.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def check_phone(value: str | None) -> str | None:
    if not value:
        return None
    digits = normalize_phone(value)
    if not digits.isdigit():
        return "phone_invalid"
    if _MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE.match(digits):
        return None
    return "phone_invalid"


def check_email(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        return "email_invalid"
    return None


def check_text(value: str | None, max_len: int) -> str | None:
    """``None`` when ``value`` may be stored as an answer, else the rule id:
    ``text_invalid_char`` (a character XML 1.0 cannot carry) or
    ``text_too_long`` (more than ``max_len`` characters)."""
    if not value or not isinstance(value, str):
        return None
    if _XML_INVALID.search(value):
        return "text_invalid_char"
    if len(value) > max_len:
        return "text_too_long"
    return None


def first_invalid_char(value: str) -> str:
    """The first character XML 1.0 cannot carry, as ``U+000B`` ("" if none)."""
    match = _XML_INVALID.search(value or "")
    return f"U+{ord(match.group()):04X}" if match else ""


def strip_xml_invalid(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _XML_INVALID.sub("", value)


def clean_data(value: Any) -> Any:
    """Plain data (dicts, lists, tuples, strings) with every string passed
    through :func:`strip_xml_invalid`: what a document writer gets."""
    if isinstance(value, str):
        return strip_xml_invalid(value) if _XML_INVALID.search(value) else value
    if isinstance(value, Mapping):
        return {k: clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v) for v in value]
    if type(value) is tuple:
        return tuple(clean_data(v) for v in value)
    return value
