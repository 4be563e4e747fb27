"""Text and charts reach Streamlit here: titles, captions, Markdown, notices, metrics and KPI cards, tabs,
expanders and charts. Every value from the URL or the data is escaped through `evdash.text`, so it shows
literally and fetches nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from evdash import text
from evdash.web.cache import ALT_ATTRIBUTE

# --- Text reaches Streamlit here. ----------------------------------------------------------------------
# Pages never hand a value from the URL or the data to st.title/st.caption/st.markdown/notices/metrics
# themselves: they call these, with a developer-written template and the values as keyword arguments
# (`ui.title("What would the {car} cost in {market}?", car=..., market=...)`). The template may use
# Markdown; every value is escaped (`evdash.text.md`), so it shows literally and fetches nothing.


def _md(template: str, values: Mapping[str, Any]) -> str:
    return text.md_format(template, values) if values else template


def title(template: str, **values: Any) -> None:
    st.title(_md(template, values), anchor=False)


def header(template: str, **values: Any) -> None:
    st.header(_md(template, values), anchor=False)


def subheader(template: str, container: Any = st, **values: Any) -> None:
    container.subheader(_md(template, values), anchor=False)


def caption(template: str, container: Any = st, **values: Any) -> None:
    container.caption(_md(template, values))


def markdown(template: str, container: Any = st, **values: Any) -> None:
    container.markdown(_md(template, values))


def success(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.success(_md(template, values), icon=icon)


def info(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.info(_md(template, values), icon=icon)


def warning(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.warning(_md(template, values), icon=icon)


def error(template: str, icon: str | None = None, container: Any = st, **values: Any) -> None:
    container.error(_md(template, values), icon=icon)


def metric(
    container: Any,
    label: object,
    value: object,
    delta: object = None,
    help: object = None,
    **kwargs: Any,
) -> None:
    """`st.metric` with label, value, delta and tooltip all shown as plain text (each is data)."""
    container.metric(
        text.md(label),
        text.md(value),
        None if delta is None else text.md(delta),
        help=None if help is None else text.md(help),
        **kwargs,
    )


def kpis(items: Sequence[Any], captions: bool = False) -> None:
    """A row of KPI cards exactly as the core decided them (`evdash.kpis.Kpi`: label, value, delta,
    tooltip, tone), each shown as plain text; with `captions`, the provenance line under each card."""
    colour = {"off": "off", "good": "normal", "bad": "inverse"}
    for col, kpi in zip(st.columns(len(items)), items, strict=True):
        metric(
            col,
            kpi.label,
            kpi.value,
            kpi.delta,
            help=kpi.help,
            delta_color=colour[kpi.tone],
            delta_arrow="off",
        )
        if captions and kpi.caption:
            caption("{text}", container=col, text=kpi.caption)


def tabs(labels: Sequence[object]) -> Sequence[Any]:
    """`st.tabs` with every label shown as plain text (a tab label is Markdown)."""
    return st.tabs([text.md(label) for label in labels])


def expander(label: object, expanded: bool = False, container: Any = st) -> Any:
    """`st.expander` with its label shown as plain text."""
    return container.expander(text.md(label), expanded=expanded)


def chart(
    fig: go.Figure,
    *,
    geo: bool = False,
    container: Any = st,
    **kwargs: Any,
) -> Any:
    """Every chart goes through here: full width, drawn with evdash's theme (not Streamlit's), the
    Plotly toolbar hidden (ten tab stops a keyboard user must pass, nothing a reader needs), a map with
    the shipped topology (never a CDN), and a one-line text alternative under it saying what it shows
    and its headline value (a screen reader gets nothing from the SVG). Extra keyword arguments go to
    `st.plotly_chart` (key, on_select, …)."""
    from evdash.figures.describe import text_alternative
    from evdash.figures.maps import map_config

    config: dict[str, Any] = {"displayModeBar": False}
    if geo:
        config = map_config(str(st.get_option("server.baseUrlPath") or ""))
    # theme=None: the chart is drawn as evdash.theme built it. Streamlit's own chart theme repainted tick
    # labels and axis titles #808495 (3.7:1 on white, below WCAG AA for small text) and fonts.
    event = container.plotly_chart(fig, width="stretch", config=config, theme=None, **kwargs)
    caption("{alt}", container=container, alt=getattr(fig, ALT_ATTRIBUTE, None) or text_alternative(fig))
    return event
