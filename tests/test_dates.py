from datetime import date, datetime

import pytest

from vcsurvey.dates import parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (False, None),
        ("", None),
        (date(2018, 1, 10), date(2018, 1, 10)),
        (datetime(2018, 1, 9, 8, 15), date(2018, 1, 9)),
        ("2018-01-10", date(2018, 1, 10)),
        ("2018-01-09 08:15:00", date(2018, 1, 9)),
        (" 10/01/2018 ", date(2018, 1, 10)),
    ],
)
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["2018-13-01", "31/02/2018", "tomorrow", 20180110])
def test_bad_date_names_the_key(value: object) -> None:
    with pytest.raises(ValueError, match="deadline"):
        parse_date(value, "deadline")
