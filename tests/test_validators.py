"""The registry's field validators: IP addresses, Vietnamese phones, e-mails."""

import pytest

from vcsurvey import validators

GOOD_IPS = ["10.160.1.10", "192.168.0.1", "0.0.0.0", "2001:db8::1", "::1", " 10.0.0.1 "]
BAD_IPS = [
    "10.0.0.256",
    "10.0.0",
    "10.0.0.1.2",
    "abc",
    "1::2::3",
    "10.0.0.-1",
    "٣.1.1.1x",
]
GOOD_PHONES = [
    "0912345678",
    "0912 345 678",
    "091.234.5678",
    "+84 912 345 678",
    "84912345678",
    "02193856123",
    "(0219) 3856 123",
    "0386123456",
    "1900123456",
]
BAD_PHONES = [
    "12345",
    "0112345678",
    "09123456789",
    "091234567",
    "+1 555 123 4567",
    "0912-34x-678",
    "0219385612",
]
GOOD_EMAILS = ["ltmy.stttt@hagiang.gov.vn", "a+b@example.com", "x_y@sub.domain.vn"]
BAD_EMAILS = [
    "a@b",
    "no-at-sign.vn",
    "a b@c.vn",
    "a@@b.vn",
    "a@b..vn",
    ".a@b.vn",
    "a@-b.vn",
    "a@b.v",
    "x" * 250 + "@b.vn",
]


@pytest.mark.parametrize("value", GOOD_IPS)
def test_good_ip(value: str) -> None:
    assert validators.check_ip(value) is None


@pytest.mark.parametrize("value", BAD_IPS)
def test_bad_ip(value: str) -> None:
    assert validators.check_ip(value) == "ip_invalid"


def test_ip_normalized() -> None:
    assert validators.normalize_ip("2001:0DB8:0000::0001") == "2001:db8::1"
    assert validators.normalize_ip(" 10.0.0.1 ") == "10.0.0.1"
    with pytest.raises(ValueError):
        validators.normalize_ip("10.0.0.300")


@pytest.mark.parametrize("value", GOOD_PHONES)
def test_good_phone(value: str) -> None:
    assert validators.check_phone(value) is None


@pytest.mark.parametrize("value", BAD_PHONES)
def test_bad_phone(value: str) -> None:
    assert validators.check_phone(value) == "phone_invalid"


def test_phone_normalized() -> None:
    assert validators.normalize_phone("+84 912 345 678") == "0912345678"
    assert validators.normalize_phone("(0219) 3856.123") == "02193856123"


@pytest.mark.parametrize("value", GOOD_EMAILS)
def test_good_email(value: str) -> None:
    assert validators.check_email(value) is None


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_bad_email(value: str) -> None:
    assert validators.check_email(value) == "email_invalid"


@pytest.mark.parametrize(
    "check", [validators.check_ip, validators.check_phone, validators.check_email]
)
def test_blank_is_not_a_format_error(check) -> None:
    # "required" is the form's business, not the format check's
    assert check("") is None
    assert check(None) is None


def test_messages_name_the_value_in_both_languages() -> None:
    vi = validators.message("phone_invalid", "vi", value="12345")
    en = validators.message("phone_invalid", "en", value="12345")
    assert "12345" in vi and "số điện thoại" in vi
    assert "12345" in en and "phone number" in en
    assert set(validators.MESSAGES) == {
        "ip_invalid",
        "phone_invalid",
        "email_invalid",
        "text_invalid_char",
        "text_too_long",
    }


def test_check_text_refuses_characters_xml_cannot_carry() -> None:
    for bad in ("a\x0bb", "\x00", "x\x1f", "\ufffe", "\uffff", "lone \ud800"):
        assert validators.check_text(bad, 100) == "text_invalid_char"
    for good in ("Tab\tnew\nline\r", "Tiếng Việt ✓", "", None):
        assert validators.check_text(good, 100) is None


def test_check_text_bounds_the_length() -> None:
    assert validators.check_text("x" * 512, validators.TEXT_LIMITS["char"]) is None
    assert validators.check_text("x" * 513, 512) == "text_too_long"
    big = "x" * 1_000_000
    assert validators.check_text(big, validators.TEXT_LIMITS["text"]) == (
        "text_too_long"
    )
    assert "1000000" in validators.message(
        "text_too_long", "en", length=len(big), max=10_000
    )


def test_clean_data_strips_nested_strings() -> None:
    data = {"a": ["x\x0by", ("\ufffe",)], "n": 3}
    assert validators.clean_data(data) == {"a": ["xy", ("",)], "n": 3}
    assert validators.first_invalid_char("ok\x0b") == "U+000B"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("::ffff:10.0.0.1", "10.0.0.1"), ("::FFFF:192.168.1.2", "192.168.1.2")],
)
def test_ipv4_mapped_addresses_are_ipv4(value: str, expected: str) -> None:
    assert validators.normalize_ip(value) == expected


def test_ipv6_zone_id_is_refused() -> None:
    assert validators.check_ip("fe80::1%eth0") == "ip_invalid"
    assert validators.check_ip("fe80::1") is None
