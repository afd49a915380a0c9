"""The summary of a round of many units: figures and exceptions in the body,
every unit's row in the XLSX."""

from __future__ import annotations

import copy
import io

import openpyxl

from vcsurvey import summary as summary_mod
from vcsurvey.consolidate import consolidate
from vcsurvey.summary import EXCEPTION_ROWS, summary_template_data
from vcsurvey.xlsx import summary_workbook

try:
    from tests.test_consolidate import make_round
except ImportError:
    from test_consolidate import make_round


def many_units(n: int) -> dict:
    """``n`` copies of the fixture's received districts (every third with a
    camera not working)."""
    base = make_round()
    replies = [s for s in base["submissions"] if s["state"] == "received"]
    subs, addressed = [], []
    for i in range(n):
        sub = copy.deepcopy(replies[i % len(replies)])
        sub["unit_code"], sub["unit_name"] = f"X{i:04d}", f"UBND xã Thử {i:04d}"
        if i % 3 == 0:
            sub["answers"]["I.3.camera"] = "not_working"
        else:
            sub["answers"]["I.3.camera"] = "stable"
        subs.append(sub)
        addressed.append(
            {
                "unit_code": sub["unit_code"],
                "unit_name": sub["unit_name"],
                "form_type": "district",
            }
        )
    return dict(base, submissions=subs, addressed=addressed)


def test_small_round_prints_every_unit():
    data = summary_template_data(consolidate(many_units(12)), {})
    assert len(data["part1_rows"]) == 12
    assert data["operator_rows"]


def test_large_round_keeps_figures_and_exceptions():
    n = 300
    consolidated = consolidate(many_units(n))
    data = summary_template_data(consolidated, {})
    # part I lists only units with a device not working, capped
    assert len(data["part1_rows"]) == EXCEPTION_ROWS
    assert [r["no"] for r in data["part1_rows"]] == [
        str(i) for i in range(1, EXCEPTION_ROWS + 1)
    ]
    assert all(r["camera"] == "Không hoạt động" for r in data["part1_rows"])
    assert any(f"100/{n} đơn vị" in line for line in data["part1_lines"])
    assert any("tệp Excel" in line for line in data["part1_lines"])
    # aggregates still count every unit
    assert str(consolidated["totals"]["meetings_i"]) in " ".join(data["part1_lines"])
    assert not data["operator_rows"]
    assert any("Cán bộ vận hành" in line for line in data["operator_lines"])
    assert len(data["incident_rows"]) <= EXCEPTION_ROWS
    for key in ("efficiency_lines", "recommendation_lines"):
        assert len(data[key]) == EXCEPTION_ROWS + 1
        assert "Kiến nghị" in data[key][-1]
    broken = [line for line in data["device_lines"] if "không hoạt động (" in line]
    assert broken and "và 70 đơn vị khác" in broken[0]
    # the XLSX keeps every unit
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(consolidated, {})))
    units = [
        v
        for (v,) in wb["Phần I"].iter_rows(
            min_row=3, min_col=2, max_col=2, values_only=True
        )
    ]
    assert sum(1 for v in units if v and v.startswith("UBND xã Thử")) == n


def test_limit_is_the_switch(monkeypatch):
    monkeypatch.setattr(summary_mod, "BODY_UNITS_LIMIT", 5)
    data = summary_template_data(consolidate(many_units(12)), {})
    assert len(data["part1_rows"]) == 4  # units 0, 3, 6, 9


def test_unit_text_is_never_a_formula():
    """A unit typing "=HYPERLINK(...)" gets a text cell, not a formula."""
    rnd = many_units(3)
    rnd["submissions"][0]["answers"]["I.9"] = '=HYPERLINK("http://evil","x")'
    rnd["submissions"][1]["answers"]["I.10"][0]["name"] = "=1+1"
    wb = openpyxl.load_workbook(io.BytesIO(summary_workbook(consolidate(rnd), {})))
    texts = {
        (cell.value, cell.data_type)
        for ws in wb
        if ws.title != "Tổng quan"
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(("=HYPERLINK", "=1+1"))
    }
    assert texts == {('=HYPERLINK("http://evil","x")', "s"), ("=1+1", "s")}
