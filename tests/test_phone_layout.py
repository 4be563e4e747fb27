"""Charts laid out for a 375 px phone and a 1440 px screen (issue #12, phones), on the pure figure
builders with the real seeds: what a reader saw go wrong in the screenshots, as figure properties.
The same charts drawn in Chromium: tests/browser/test_chart_layout.py."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest

from evdash import deliveries, events, queries, theme
from evdash.figures import deliveries as delivery_figures
from evdash.figures import style
from evdash.figures.maps import MAP_ASPECT, choropleth
from evdash.figures.overview import years_vs_target
from evdash.figures.pricing import landed_waterfall, price_bars, rival_comparison
from evdash.figures.suv import suv_share_known


def _head_px(fig: go.Figure) -> float:
    """What the title and subtitle take at the top, as phone_title lays them out."""
    title = str(fig.layout.title.text or "")
    subtitle = str(fig.layout.title.subtitle.text or "")
    return 14 + 22 * (title.count("<br>") + 1) + (18 * (subtitle.count("<br>") + 1) if subtitle else 0) + 16


def _title_lines_fit_a_phone(fig: go.Figure) -> None:
    for line in str(fig.layout.title.text).split("<br>"):
        assert len(theme.plain(line)) <= style.TITLE_CHARS, line
    for line in str(fig.layout.title.subtitle.text or "").split("<br>"):
        assert len(theme.plain(line)) <= style.SUBTITLE_CHARS, line


def test_years_chart_legend_sits_between_title_and_plot(seed_con: duckdb.DuckDBPyConnection) -> None:
    """On a phone the legend wrapped to two rows and covered the one-line title, and the year labels
    carried five lines of events and were turned on their side."""
    marks = events.markers(queries.chart_events(seed_con, "xiaomi"), dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    fig = years_vs_target(queries.overview_years(seed_con, "xiaomi"), "Xiaomi", marks)
    _title_lines_fit_a_phone(fig)
    legend = fig.layout.legend
    assert (legend.yref, legend.y, legend.yanchor) == ("paper", 1.0, "bottom")  # just above the plot
    rows = style.legend_rows(fig)
    assert rows >= 2  # four entries do not fit one 343 px row ...
    assert fig.layout.margin.t >= _head_px(fig) + 21 * rows  # ... and the top margin holds them all
    assert fig.layout.xaxis.tickangle == 0 and fig.layout.xaxis.title.text == "Year"
    target = next(t for t in fig.data if t.name == "Final target")
    assert target.cliponaxis is False  # "arget 130,000": the label was clipped at the plot's edge
    assert fig.layout.yaxis.range[1] > max(target.y) * 1.15  # and has room above the dash


def test_a_year_has_one_colour_in_every_chart(seed_con: duckdb.DuckDBPyConnection) -> None:
    """2025 was orange in one chart and green in the next (colours were picked by position)."""
    peers = queries.deliveries_peers(seed_con)
    colours: dict[str, set[str]] = {}
    for years in ([2024, 2025], [2025, 2026]):
        fig = delivery_figures.peer_deliveries(deliveries.peer_deliveries(peers, years), "xiaomi")
        for trace in fig.data:
            if trace.type == "bar" and str(trace.name).isdigit():
                colours.setdefault(str(trace.name), set()).add(str(trace.marker.color))
    assert colours["2025"] == {theme.year_colour(2025)}
    assert all(len(c) == 1 for c in colours.values())
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # years told apart
    assert theme.SELECTED_COLOUR not in theme.YEAR_PALETTE  # blue means the chosen brand


def test_peers_chart_labels_and_values_fit_a_phone(seed_con: duckdb.DuckDBPyConnection) -> None:
    """'HIMA (Harmony Intelligent Mobility Alliance)' took half the width, values were cut to '1,64' and
    the ticks read '0 1, 2, 3,'."""
    frame = deliveries.peer_deliveries(queries.deliveries_peers(seed_con), [2024, 2025])
    fig = delivery_figures.peer_deliveries(frame, "xiaomi")
    labels = {str(y) for t in fig.data if t.type == "bar" for y in t.y}
    assert "HIMA" in labels and max(len(label) for label in labels) <= 16
    assert "Xiaomi ◀" in labels  # the chosen brand is marked
    values = [str(v) for t in fig.data if t.type == "bar" and t.text is not None for v in t.text]
    assert values and all(len(v) <= 8 for v in values)  # '4.60M', '≥410k'
    assert fig.layout.xaxis.tickformat == "~s" and fig.layout.xaxis.tickangle == 0
    assert fig.layout.xaxis.range[1] >= frame["delivered_units"].max() * 1.2  # room for the longest label
    assert fig.layout.xaxis.title.text == "Delivered per year (units)"


def _steps() -> pd.DataFrame:
    labels = [
        "Origin sticker price (CNY 253,500)",
        "Less origin VAT 13% (refunded on export)",
        "Ex-factory price at FX 0.1236 EUR/CNY",
        "Freight & logistics",
        "CIF value (customs base)",
        "Base import duty 10% (all makers)",
        "Additional duty 20.7% (class other_cooperating)",
        "Import VAT 19%",
        "Estimated sticker price",
    ]
    # Each step's chart name, as `LandedPrice.frame()` carries it beside the label.
    shorts = [
        "Home price\nCNY 253,500",
        "− home VAT\n13%",
        "Ex-factory\nFX 0.1236",
        "Freight",
        "CIF value",
        "Base duty\n10%",
        "Extra duty 20.7%\n(Other cooperating makers)",
        "VAT\n19%",
        "Estimated\nsticker price",
    ]
    kinds = ["start", "step", "subtotal", "step", "subtotal", "step", "step", "step", "total"]
    amounts = [31_335.0, -3_605, 27_730, 1_386, 29_116, 2_912, 6_027, 7_230, 45_286]
    return pd.DataFrame(
        {
            "label": labels,
            "short": shorts,
            "kind": kinds,
            "amount": amounts,
            "running_total": amounts,
            "currency": "EUR",
            "source": "s",
            "as_of": "1 Jan 2026",
        }
    )


def test_waterfall_steps_are_rows_tall_enough_for_their_labels() -> None:
    """The landed-price labels were ~6 px and vertical under narrow columns; then, as rows 36 px tall,
    two-line labels ran into each other."""
    fig = landed_waterfall(_steps(), "Landed price build-up", "Xiaomi YU7 → Germany, in EUR")
    trace = fig.data[0]
    assert trace.orientation == "h" and fig.layout.yaxis.autorange == "reversed"  # first step on top
    assert "(Other cooperating makers)" in list(trace.y)[6]  # the duty class in words
    plot = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    lines = sum(str(label).count("<br>") + 1 for label in trace.y)
    assert plot >= 17 * lines + 14 * len(trace.y)
    assert trace.constraintext == "none" and trace.textfont.size >= 12  # never shrunk to fit a bar
    _title_lines_fit_a_phone(fig)
    assert fig.layout.xaxis.title.text == "EUR" and "EUR" in trace.hovertemplate


def test_the_chosen_brand_is_one_colour_in_every_chart() -> None:
    prices = pd.DataFrame(
        {
            "variant_id": ["y", "yu7"],
            "brand_name": ["Tesla", "Xiaomi"],
            "model_name": ["Model Y", "YU7"],
            "variant_name": ["Standard", "Standard (RWD)"],
            "market_code": ["DEU", "CHN"],
            "currency": ["EUR", "CNY"],
            "price": [39_990.0, 253_500.0],
            "price_eur": [39_990.0, 31_335.0],
            "confidence": ["reported", "reported"],
            "price_type": ["list", "launch"],
            "effective_from": [dt.date(2025, 1, 1), dt.date(2025, 6, 26)],
            "source_id": ["s1", "s2"],
        }
    )
    bars = price_bars(prices, "EUR", "rates of 15 Jan 2026", "Xiaomi")
    by_label = {
        theme.plain(y).split(" ")[0]: c for t in bars.data for y, c in zip(t.y, t.marker.color, strict=True)
    }
    assert by_label == {"Tesla": theme.PEER_COLOUR, "Xiaomi": theme.SELECTED_COLOUR}
    rivals = rival_comparison(45_286, "YU7 (estimate)", prices.assign(confidence="reported"), "EUR")
    ours = next(t for t in rivals.data if t.name == "Our landed estimate")
    assert ours.marker.color == theme.SELECTED_COLOUR
    assert {t.marker.color for t in rivals.data if str(t.name).startswith("Rival")} == {theme.PEER_COLOUR}


@pytest.mark.parametrize("region", ["world", "europe"])
def test_a_map_is_as_tall_as_its_region_is_wide(region: str) -> None:
    """Maps were small between wide blank bands: the height did not follow the region's shape."""
    frame = pd.DataFrame({"iso3": ["DEU", "FRA", "CHN"], "country": ["Germany", "France", "China"]})
    values: dict[str, pd.Series] = {
        "sequential": pd.Series([1.0, 2.0, None]),
        "categorical": pd.Series(["a", "b", None]),
    }
    for kind in ("sequential", "categorical"):
        fig = choropleth(
            frame.assign(v=values[kind]),
            value_col="v",
            kind=kind,
            title="t",
            unit="u",
            region=region,
            categories={"a": "A", "b": "B"} if kind == "categorical" else None,
        )
        plot = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
        assert plot == pytest.approx(446 * MAP_ASPECT[region], abs=2)
        assert fig.layout.geo.fitbounds is False and fig.layout.geo.lonaxis.range
        if kind == "sequential":  # the colour bar under the map has its own room
            scale = next(t for t in fig.data if t.showscale)
            assert fig.layout.margin.b >= 100 and scale.colorbar.orientation == "h"


def test_suv_rows_leave_the_phone_width_to_the_dots() -> None:
    """'United Kingdom · Dataforce SUV/crossover (broad)' on one line took two thirds of a phone and the
    dots' labels ran off its edge."""
    known = pd.DataFrame(
        {
            "measure": "new_cars",
            "market_name": ["United Kingdom", "United Kingdom", "China"],
            "definition_label": ["Dataforce SUV/crossover (broad)", "SMMT 'dual purpose'", "JATO 'SUV'"],
            "breadth": ["broad", "narrow", "broad"],
            "value_pct": [60.0, 33.0, 50.0],
            "qualifier": ["", "approx", "approx"],
            "period_scope": ["full_year", "full_year", "full_year"],
            "period_label": ["2023", "2024", "2024 (analyst statement of May 2024)"],
            "year": [2023, 2024, 2024],
            "source_url": ["https://a.example", "https://b.example", "https://c.example"],
        }
    )
    fig = suv_share_known(known)
    _title_lines_fit_a_phone(fig)
    rows = list(fig.layout.yaxis.categoryarray)
    for row in rows:
        lines = theme.plain(row.replace("<br>", "\n")).split("\n") if "\n" in row else row.split("<br>")
        assert len(lines) == 2 and all(len(theme.plain(line)) <= 20 for line in lines), row
    assert fig.layout.xaxis.range[1] > 100 and max(fig.layout.xaxis.tickvals) == 100  # room for labels
    texts = [str(t) for trace in fig.data if trace.text is not None for t in trace.text if t]
    assert texts and all(len(theme.plain(t)) <= 18 for t in texts)
    assert (
        "Dataforce SUV/crossover (broad)"
        in next(t for t in fig.data if t.customdata is not None).customdata[0][0]
    )
