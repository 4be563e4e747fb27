"""Names shortened for print (`for_print`): where the PDF's space is fixed, a long name is cut with an
ellipsis (the brand's to NAME_MAX characters, the focus model's to twice that), so the briefing keeps to
its pages whatever the names in the data hold."""

from __future__ import annotations

import dataclasses

import pandas as pd

from evdash import text
from evdash.briefing import Briefing
from evdash.kpis import Kpi

NAME_MAX = 40  # characters of a brand's name in fixed places and sentences (a model's: twice that)
KPI_LINE_MAX = 60  # characters of one line of a KPI card (it wraps to at most two lines in its box)
WATCH_ITEM_MAX = 220  # characters of a watch-list item (two lines): names in it are the data's own


def for_print(b: Briefing) -> Briefing:
    """`b` with its names shortened for print: the brand's name to NAME_MAX characters (also inside the
    verdict, the notes, the KPIs and the watch list, which otherwise wrap around a 500-character name for
    a page), the focus model's to twice that, each source's publisher to one line, the events' titles on
    the charts to NAME_MAX. Sentences still wrap."""
    brand, model = text.cut(b.brand_name, NAME_MAX), text.cut(b.focus_model, 2 * NAME_MAX)

    def short(value: str) -> str:
        for full, cut in ((b.focus_model, model), (b.brand_name, brand)):
            if full and full != cut:
                value = value.replace(full, cut)
        return value

    def card(value: str | None) -> str | None:  # a KPI card's line: a box of fixed size, at most 3 lines
        return text.cut(short(value), KPI_LINE_MAX) if value else value

    def kpi(k: Kpi) -> Kpi:
        return dataclasses.replace(
            k,
            label=card(k.label) or "",
            value=card(k.value) or "",
            delta=card(k.delta),
            change=card(k.change),
            note=card(k.note),
        )

    def events(frame: pd.DataFrame) -> pd.DataFrame:
        if "title" not in frame.columns:
            return frame
        return frame.assign(
            title=frame["title"].map(lambda t: text.cut(t, NAME_MAX) if isinstance(t, str) else t)
        )

    def names(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        if column not in frame.columns:
            return frame
        return frame.assign(
            **{column: frame[column].map(lambda t: text.cut(t, NAME_MAX) if isinstance(t, str) else t)}
        )

    return dataclasses.replace(
        b,
        brand_name=brand,
        focus_model=model,
        filters={k: short(v) for k, v in b.filters.items()},  # the footer fits them as a whole
        verdict=short(b.verdict),
        attainment_note=short(b.attainment_note),
        overview_kpis=tuple(kpi(k) for k in b.overview_kpis),
        deliveries_kpis=tuple(kpi(k) for k in b.deliveries_kpis),
        year_events=events(b.year_events),
        all_events=events(b.all_events),
        peers=names(b.peers, "brand_name"),
        landed=names(names(b.landed, "market_name"), "rival"),
        watch=tuple(
            dataclasses.replace(item, text=text.cut(short(item.text), WATCH_ITEM_MAX)) for item in b.watch
        ),
        sources=tuple(
            dataclasses.replace(s, publisher=text.cut(s.publisher, 2 * NAME_MAX)) for s in b.sources
        ),
    )
