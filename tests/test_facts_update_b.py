"""shared/facts/UPDATE-2026-12b.md is carried into the seeds, and what it found is fixed (data/README.md,
"Carried over from UPDATE-2026-12b"). Expected figures are read from the update's CSVs
(`../shared/facts/update-2026-12b/*.csv`), never typed in; a row the update gives is either in the seeds
with its figure, source URL, as-of and confidence exactly as the update states, or named as rejected in
data/README.md."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from evdash import deliveries, queries
from evdash.figures import deliveries as delivery_figures
from tests.conftest import plotly_values, run_page, shown

REPO = Path(__file__).resolve().parent.parent
# shared/facts lies beside the repository (CI) or beside a folder of worktrees.
UPDATE = next(
    (f for d in REPO.parents if (f := d / "shared" / "facts" / "update-2026-12b").is_dir()),
    REPO.parent / "shared" / "facts" / "update-2026-12b",
)
needs_update = pytest.mark.skipif(
    not UPDATE.is_dir(), reason="shared/facts/update-2026-12b is not beside the repository"
)

# The update's brand labels → brand_id (None: rejected, see data/README.md).
BRANDS = {
    "Geely Auto (all powertrains)": "geely",
    "Geely Holding (all brands)": "geely_holding",
    "Leapmotor": "leapmotor",
    "Zeekr": "zeekr",
    "Lynk & Co": "lynk_co",
    "Geely Auto": "geely",
    "Zeekr Group (Zeekr + Lynk & Co)": None,
    "Geely (brand)": None,
}


def _rows(name: str) -> list[dict[str, str]]:
    with (UPDATE / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _same_page(a: str, b: str) -> bool:
    """One page, whatever the scheme or a leading 'www.' (the seeds keep one URL per page)."""

    def bare(u: str) -> str:
        return re.sub(r"^https?://(www\.)?", "", u.strip())

    return bare(a) == bare(b)


def _readme_section() -> str:
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    start = text.index("## Carried over from `shared/facts/UPDATE-2026-12b.md`")
    end = text.find("\n## ", start + 3)
    return text[start : end if end > 0 else None]


def _period(label: str) -> tuple[str, str, str]:
    """The update's period label → (period_kind, period_start, period_end) as the seeds store it."""
    if m := re.fullmatch(r"(\d{4})", label):
        y = m.group(1)
        return "year", f"{y}-01-01", f"{y}-12-31"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        y, q = m.group(1), int(m.group(2))
        ends = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}
        return "quarter", f"{y}-{3 * q - 2:02d}-01", f"{y}-{ends[q]}"
    if m := re.fullmatch(r"(\d{4})-YTD-Sep", label):
        return "ytd", f"{m.group(1)}-01-01", f"{m.group(1)}-09-30"
    if m := re.fullmatch(r"cum-to-(\d{4}-\d{2}-\d{2})", label):
        return "cumulative", "2024-04-03", m.group(1)
    raise AssertionError(f"unknown period label {label!r}")


def _stored(
    con: duckdb.DuckDBPyConnection, brand: str, model: str | None, period: tuple[str, str, str], units: int
) -> list[tuple[Any, ...]]:
    return con.execute(
        """select t.confidence::varchar, t.as_of::varchar, s.url, t.note
           from delivery_totals as t join sources as s using (source_id)
           where t.brand_id = $b and coalesce(t.model_id, '') = $m and t.period_kind = $k
             and t.period_start = $s::date and t.period_end = $e::date and t.units = $u""",
        {"b": brand, "m": model or "", "k": period[0], "s": period[1], "e": period[2], "u": units},
    ).fetchall()


def _assert_carried(rows: list[tuple[Any, ...]], src: dict[str, str], where: str) -> None:
    """One stored version of the figure has the update's source, as-of and confidence (nothing upgraded)."""
    assert rows, f"{where}: not in the seeds"
    versions = [(c, a) for c, a, url, _note in rows if _same_page(url, src["source_url"])]
    assert versions == [(src["confidence"], src["as_of"])], where


@needs_update
def test_xiaomi_rows_carried_as_stated(seed_con: duckdb.DuckDBPyConnection) -> None:
    for src in _rows("xiaomi_deliveries_quarterly_cumulative.csv"):
        model = None if src["model"] == "all" else f"xiaomi_{src['model'].lower()}"
        period = _period(src["period"])
        _assert_carried(
            _stored(seed_con, "xiaomi", model, period, int(src["units"])),
            src,
            f"{src['period']} {src['model']}",
        )


@needs_update
def test_xiaomi_picks_follow_the_update(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Jan–Sep 2025 takes the higher floor; the 600,000 milestone is dated 13 Feb 2026 (no later copy
    reaches further); the SU7 lifetime keeps 381,000 (re-dated) and the 'close to 370,000' outlier is a
    version, never the figure."""
    src = {(r["period"], r["model"]): r for r in _rows("xiaomi_deliveries_quarterly_cumulative.csv")}
    ytd = src[("2025-YTD-Sep", "all")]
    picked = seed_con.execute(
        """select units, confidence::varchar from v_delivery_totals where brand_id = 'xiaomi' and model_id is null
           and period_kind = 'ytd' and period_end = date '2025-09-30'"""
    ).fetchall()
    assert picked == [(int(ytd["units"]), ytd["confidence"])]
    milestone = src[("cum-to-2026-02-13", "all")]
    ends = seed_con.execute(
        """select period_end::varchar from delivery_totals where brand_id = 'xiaomi' and model_id is null
           and period_kind = 'cumulative' and units = $u""",
        {"u": int(milestone["units"])},
    ).fetchall()
    assert {e for (e,) in ends} == {_period(milestone["period"])[2]}  # the 16 Feb copy is re-dated
    outlier = src[("cum-to-2026-02-13", "SU7")]
    su7 = seed_con.execute(
        """select units, confidence::varchar, alternatives from v_delivery_totals
           where model_id = 'xiaomi_su7' and period_kind = 'cumulative' and period_end = $e::date""",
        {"e": _period(outlier["period"])[2]},
    ).fetchall()
    assert su7 == [(381000, "lower_bound", 1)]
    assert int(outlier["units"]) < su7[0][0]  # below the company's floor: the rule puts it last
    (note,) = seed_con.execute(
        "select note from delivery_totals where model_id = 'xiaomi_su7' and units = $u",
        {"u": int(outlier["units"])},
    ).fetchone() or ("",)
    assert "OUTLIER" in note


def test_q4_2024_is_the_figure_derivable_from_reported_totals(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Q4 2024 = FY2024 − Q2 − Q3 (Q1 had no deliveries), all reported: the derived figure is picked over
    the low-reliability blog's, by the picking rule's source reliability (no row is special-cased)."""
    figures = dict(
        seed_con.execute(
            """select period_kind || month(period_start), units from v_delivery_totals
               where brand_id = 'xiaomi' and model_id is null and scope = 'all' and year(period_start) = 2024
                 and period_kind in ('year', 'quarter') and confidence = 'reported'"""
        ).fetchall()
    )
    derived = figures["year1"] - figures["quarter4"] - figures["quarter7"]
    picked = seed_con.execute(
        """select units, confidence::varchar, reliability, alternatives from v_delivery_totals
           where brand_id = 'xiaomi' and model_id is null and period_kind = 'quarter'
             and period_start = date '2024-10-01'"""
    ).fetchall()
    assert picked == [(derived, "estimate", "secondary", 1)]
    blog = seed_con.execute(
        """select s.reliability from delivery_totals as t join sources as s using (source_id)
           where t.brand_id = 'xiaomi' and t.period_start = date '2024-10-01' and t.units <> $d""",
        {"d": derived},
    ).fetchall()
    assert blog == [("low",)]


def _carried(name: str) -> list[tuple[dict[str, str], str]]:
    """The rows of an update CSV that the seeds carry, with their brand_id; a rejected row must be named
    in data/README.md's table (with its reason)."""
    out = []
    for src in _rows(name):
        brand = BRANDS[src["brand"]]
        if brand is None:
            assert src["brand"] in _readme_section(), f"{src['brand']}: rejected without a reason"
        else:
            out.append((src, brand))
    return out


@needs_update
def test_peer_figures_carried_and_picked(seed_con: duckdb.DuckDBPyConnection) -> None:
    for src, brand in _carried("peer_annual_deliveries.csv"):
        period = _period(src["year"])
        units = int(src["units"])
        _assert_carried(_stored(seed_con, brand, None, period, units), src, f"{brand} {src['year']}")
        picked = seed_con.execute(
            """select units, confidence::varchar from v_delivery_totals where brand_id = $b and model_id is null
               and scope = 'all' and period_kind = $k and period_start = $s::date and period_end = $e::date""",
            {"b": brand, "k": period[0], "s": period[1], "e": period[2]},
        ).fetchall()
        assert picked == [(units, src["confidence"])], f"{brand} {src['year']}"


def test_a_rounded_figure_is_never_reported_beside_an_exact_one(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Two `reported` figures for one period where one is the other rounded (Geely 3,024,600 vs 3,024,567):
    the rounded one must be an estimate. Checked over every period total of the seeds."""
    pairs = seed_con.execute(
        """select a.brand_id, a.period_start, a.units, b.units
           from delivery_totals as a join delivery_totals as b
             on a.brand_id = b.brand_id and coalesce(a.model_id, '') = coalesce(b.model_id, '')
            and a.scope = b.scope and a.period_kind = b.period_kind and a.period_start = b.period_start
            and a.period_end = b.period_end and a.units <> b.units
           where a.confidence = 'reported' and b.confidence = 'reported'
             and a.units % 100 = 0 and abs(a.units - b.units) < 0.001 * b.units"""
    ).fetchall()
    assert pairs == []


@needs_update
def test_targets_carried(seed_con: duckdb.DuckDBPyConnection) -> None:
    for src, brand in _carried("delivery_targets.csv"):
        rows = seed_con.execute(
            """select t.confidence::varchar, t.as_of::varchar, s.url from targets as t join sources as s
               using (source_id) where brand_id = $b and year = $y and target_units = $u and announced_on = $a""",
            {"b": brand, "y": int(src["year"]), "u": int(src["target_units"]), "a": src["announced_on"]},
        ).fetchall()
        _assert_carried([(*r, "") for r in rows], src, f"{brand} {src['year']} target")


@needs_update
def test_tariff_items_carried(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Section 122 is a duty case (its stacking on Section 232 cars is unverified: both totals are shown,
    inside its 150 days only); the IEEPA ruling and the EU undertaking guidance are not rates and are
    recorded in the notes of the lines they concern, with their sources."""
    src = {r["measure"].split(" (")[0].split(" tariffs")[0]: r for r in _rows("tariffs.csv")}
    s122 = src["Section 122 temporary import surcharge"]
    line = seed_con.execute(
        """select rate_pct, effective_from::varchar, confidence::varchar, duty_case, s.url
           from tariffs join sources as s using (source_id) where tariff_id = 'usa_s122_surcharge_10'"""
    ).fetchall()
    assert line[0][:4] == (float(s122["rate_pct"]), s122["effective_from"], s122["confidence"], "s122_adds")
    assert _same_page(line[0][4], s122["source_url"])

    def totals(on: str) -> list[float]:
        return [
            t
            for (t,) in seed_con.execute(
                """select sum(rate_pct) from car_duty_case_lines('CHN', 'other_cooperating', 'BEV', $d::date)
                   where iso3 = 'USA' and (duty_kind = 'additional' or base_rank = 1) group by case_id order by 1""",
                {"d": on},
            ).fetchall()
        ]

    before = totals("2026-02-01")
    assert len(before) == 1
    assert totals(s122["effective_from"]) == [before[0], before[0] + float(s122["rate_pct"])]
    assert totals("2026-12-06") == before
    for measure, tariff_id in [
        ("IEEPA", "usa_s232_autos_25"),
        ("Guidance on price-undertaking offers", None),
    ]:
        url = src[measure]["source_url"]
        assert seed_con.execute("select count(*) from sources where url = $u", {"u": url}).fetchone() == (1,)
        where = "tariff_id = $t" if tariff_id else "note like '%price-undertaking offers%'"
        notes = seed_con.execute(
            f"select note from tariffs where {where}", {"t": tariff_id} if tariff_id else {}
        ).fetchall()
        assert notes and all(src[measure]["effective_from"][:4] in n for (n,) in notes), measure


@needs_update
def test_expansion_items_carried(seed_con: duckdb.DuckDBPyConnection) -> None:
    for src in _rows("xiaomi_expansion.csv"):
        rows = seed_con.execute(
            """select e.confidence::varchar, e.as_of::varchar, s.url, e.title from events as e
               join sources as s using (source_id) where e.brand_id = 'xiaomi' and s.url = $u""",
            {"u": src["source_url"]},
        ).fetchall()
        _assert_carried(rows, src, src["item"])


def test_a_group_total_is_never_added_to_its_brands(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Geely Auto's total includes Zeekr and Lynk & Co, Geely Holding's includes Geely Auto: the brands say
    so (brands.counted_in, no cycle), each group's year is at least what its brands deliver, and the peers
    chart says in its hover that a brand is inside another's total."""
    parents = dict(
        seed_con.execute("select brand_id, counted_in from brands where counted_in is not null").fetchall()
    )
    assert parents == {"zeekr": "geely", "lynk_co": "geely", "geely": "geely_holding"}
    for child in parents:
        seen, node = {child}, parents.get(child)
        while node is not None:
            assert node not in seen
            seen.add(node)
            node = parents.get(node)
    year = dict(
        seed_con.execute(
            "select brand_id, delivered_units from v_brand_year where year = 2025 and is_headline"
        ).fetchall()
    )
    for group in set(parents.values()):
        members = [b for b, p in parents.items() if p == group and year.get(b) is not None]
        assert year[group] >= sum(year[b] for b in members), group
    peers = queries.deliveries_peers(seed_con)
    fig = delivery_figures.peer_deliveries(deliveries.peer_deliveries(peers, [2024, 2025]), "xiaomi")
    hovers = {
        html.unescape(str(name)).removesuffix(" ◀"): row[5]
        for trace in fig.to_plotly_json()["data"]
        if trace.get("customdata") is not None
        for name, row in zip(plotly_values(trace["y"]), trace["customdata"], strict=True)
    }
    assert "included in Geely Auto's total" in hovers["Zeekr"]
    assert "included in Geely Holding's total" in hovers["Geely Auto"]


def test_a_partial_year_is_never_drawn_as_a_peer_year(seed_con: duckdb.DuckDBPyConnection) -> None:
    """Tesla's '2026' is one month of one model's China retail: not a year beside the others' years."""
    peers = queries.deliveries_peers(seed_con)
    tesla = peers[(peers["brand_id"] == "tesla") & (peers["year"] == 2026)]
    assert len(tesla) == 1 and not bool(tesla["is_whole_year"].iloc[0])
    assert tesla["delivered_coverage"].iloc[0] == "partial"
    drawn = deliveries.peer_deliveries(peers, [2025, 2026])
    assert drawn["is_whole_year"].all()
    assert not ((drawn["brand_id"] == "tesla") & (drawn["year"] == 2026)).any()
    assert ((drawn["brand_id"] == "tesla") & (drawn["year"] == 2025)).any()


def test_readme_names_every_item_of_the_update() -> None:
    """Every section of the update (and every tabular figure, when the CSVs are here) is in the table."""
    section = _readme_section()
    for item in [
        "Jan–Sep 2025",
        "600,000",
        "381,000",
        "370,000",
        "Q4 2024",
        "3,024,567",
        "4,116,321",
        "293,724",
        "Zeekr Group",
        "Section 122",
        "IEEPA",
        "price-undertaking",
        "EU duty class of Xiaomi",
        "Mexico",
        "Canada",
        "Germany",
        "Electric Car Grant",
        "issue #24 item 4",
        "rest of world",
        "IEA connector",
        "Europe entry",
        "New-generation SU7",
        "Not found",
    ]:
        assert item in section, item
    if UPDATE.is_dir():
        for name in ["peer_annual_deliveries.csv", "xiaomi_deliveries_quarterly_cumulative.csv"]:
            for src in _rows(name):
                assert f"{int(src['units']):,}" in section, f"{name}: {src['units']}"
        for src in _rows("delivery_targets.csv"):
            assert f"{int(src['target_units']):,}" in section, src["target_units"]


@pytest.mark.usefixtures("app_env")
def test_pages_show_the_estimated_floor_and_no_partial_peer_year() -> None:
    """The Overview and the Deliveries KPIs show Xiaomi 2026 as '≥ ≈ 80,000' (a weak 'more than 80,000'),
    never a bare or merely approximate 80,000; the Deliveries peers chart draws no 2026 bar for Tesla."""
    overview = run_page("app.py", brand="xiaomi")
    assert not overview.exception
    cards = {shown(m.label): shown(m.value) for m in overview.metric}
    assert [v for k, v in cards.items() if k.startswith("2026")] == ["≥ ≈ 80,000"]
    page = run_page("pages/deliveries.py", brand="xiaomi", year="2026")
    assert not page.exception
    kpis = {shown(m.label): shown(m.value) for m in page.metric}
    assert next(v for k, v in kpis.items() if k.startswith("Delivered 2026")) == "≥ ≈ 80,000"
    annual = next(
        f
        for f in (json.loads(el.proto.spec) for el in page.get("plotly_chart"))
        if "Annual deliveries vs peers" in json.dumps(f["layout"].get("title", ""))
    )
    bars = {
        (trace["name"], html.unescape(str(n)).removesuffix(" ◀"))
        for trace in annual["data"]
        if trace.get("legendgroup") != "confidence"
        for n in plotly_values(trace["y"])
    }
    assert ("2025", "Tesla") in bars
    assert ("2026", "Tesla") not in bars
