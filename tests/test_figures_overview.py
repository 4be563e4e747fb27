"""Overview figure: bars per confidence, target markers, readable axes, empty state."""

from __future__ import annotations

import pandas as pd

from evdash import labels as words
from evdash.figures.overview import years_vs_target


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2024, 2025],
            "delivered_units": [136854, 410000],
            "delivered_confidence": ["reported", "lower_bound"],
            "delivered_is_at_least": [False, True],
            "delivered_basis": ["annual_total", "annual_total"],
            "delivered_basis_label": ["company annual total", "company annual total"],
            "delivered_detail": ["year total", "year total"],
            "delivered_source": ["https://a.example", "https://b.example"],
            "delivered_as_of": pd.to_datetime(["2025-03-18", "2026-01-01"]),
            "delivered_through": pd.to_datetime(["2024-12-31", "2025-12-31"]),
            "final_target_units": [130000, 400000],
            "target_announced_on": pd.to_datetime(["2024-11-18", "2025-11-20"]),
            "target_source": ["https://t.example", "https://u.example"],
            "target_confidence": ["reported", "lower_bound"],
        }
    )


def test_bars_by_confidence_and_target_markers() -> None:
    fig = years_vs_target(_frame(), "Xiaomi")
    names = [t.name for t in fig.data]
    # Short legend names: a phone lays legend entries out in columns as wide as the widest one.
    assert names == ["Delivered", "At least", "Final target"]
    assert list(fig.data[0].text) == ["136,854"]
    assert list(fig.data[1].text) == ["≥ 410,000"]
    assert fig.data[1].marker.pattern.shape == "/"  # lower bounds are hatched
    assert list(fig.data[2].y) == [130000, 400000]
    assert fig.layout.yaxis.title.text == "Vehicles delivered (units)"
    assert fig.layout.yaxis.tickformat == "~s"  # "400k": a narrow axis leaves a phone's width to the bars
    assert "source" in fig.data[0].hovertemplate


def test_a_year_counted_to_march_says_so_under_its_bar() -> None:
    """2026's figure is the first quarter: the bar is not a year's deliveries, and its label says so
    (whole years stay plain); the same holds for a year with only a target."""
    frame: pd.DataFrame = pd.concat(
        [
            _frame(),
            pd.DataFrame(
                {
                    "year": [2026, 2027],
                    "delivered_units": [80000, None],
                    "delivered_confidence": ["estimate", None],
                    "delivered_is_at_least": [False, None],
                    "delivered_basis_label": ["reported quarters", None],
                    "delivered_detail": ["Q1", None],
                    "delivered_source": ["https://c.example", None],
                    "delivered_as_of": pd.to_datetime(pd.Series(["2026-05-27", None])),
                    "delivered_through": pd.to_datetime(pd.Series(["2026-03-31", None])),
                    "final_target_units": [550000, 700000],
                    "target_announced_on": pd.to_datetime(["2026-01-03", "2026-11-01"]),
                    "target_source": ["https://v.example", "https://w.example"],
                    "target_confidence": ["reported", "reported"],
                }
            ),
        ],
        ignore_index=True,
    )
    ticks = list(years_vs_target(frame, "Xiaomi").layout.xaxis.ticktext)
    assert ticks == ["2024", "2025", "2026<br>Jan–Mar only", "2027"]


def test_part_of_year_words() -> None:
    assert words.part_of_year(pd.Timestamp("2026-03-31")) == "Jan–Mar only"
    assert words.part_of_year("2026-01-31") == "Jan only"
    assert words.part_of_year("2026-02-16") == "Jan only"  # to mid-February: January's months
    assert words.part_of_year("2025-12-31") == ""
    assert words.part_of_year(pd.NaT) == "" and words.part_of_year(None) == ""


def test_empty_frame_says_why() -> None:
    fig = years_vs_target(_frame().iloc[0:0], "Nobody")
    assert not fig.data
    assert "No deliveries or targets for Nobody" in fig.layout.annotations[0].text
