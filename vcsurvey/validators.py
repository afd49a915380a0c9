"""Validators for the registry's contact and network fields.

Each ``check_*`` function returns ``None`` when the value is acceptable and an
error *rule id* otherwise; :func:`message` turns a rule id into a sentence in
English or Vietnamese.  ``normalize_*`` functions return the canonical form.
"""

from __future__ import annotations

import ipaddress
import re

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

MESSAGES: dict[str, tuple[str, str]] = {
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
    """Return the canonical text of an IP address (raises ValueError)."""
    return str(ipaddress.ip_address(value.strip()))


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
