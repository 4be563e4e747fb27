"""The briefing as a PDF (fpdf2), laid out from `evdash.briefing.Briefing` and chart images.

Contract: one to three pages, A4 portrait (or US Letter), whatever the names in the data hold; fonts
embedded (DejaVu Sans, a TrueType font from Debian's fonts-dejavu-core, or the folder in env
`EVDASH_PDF_FONTS`; Chinese, Japanese and Korean through Noto Sans CJK (fonts-noto-cjk) and emoji through
Noto Color Emoji (fonts-noto-color-emoji) as fallback fonts, so 小米 prints); long names are shortened
with an ellipsis where space is fixed (title, page header and footer, headings, table cells, chart
titles, the source list) and wrapped where it is not (sentences); every page carries the
brand, the filters, the data as-of date, the age of the newest figure, the data version and "page n of
N"; the last page lists the sources used. Confidence is told in words and symbols ("≥", "≈", "At least
(lower bound)"), never by colour alone, so a greyscale print reads the same. Data text is written as
plain text (no markup is interpreted). The charts are the pages' own figure builders, rendered offline
by `evdash.static_charts`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from evdash import expansion, labels, text
from evdash.briefing import CURRENCY, Briefing
from evdash.figures.deliveries import cumulative_vs_target
from evdash.figures.maps import choropleth
from evdash.figures.overview import years_vs_target
from evdash.kpis import Kpi
from evdash.services import briefing as briefing_service
from evdash.services.overview import OverviewView, Scenario
from evdash.theme import CONFIDENCE_LABEL, fmt_int, fmt_pct
from evdash.watch import SEVERITY_MARK

Paper = Literal["A4", "Letter"]
Render = Callable[[go.Figure, float, float], bytes]
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
FONT = "DejaVu"
# Fallback fonts for what DejaVu Sans has no glyph for: (family, style, file name, index in a collection,
# folders looked in after EVDASH_PDF_FONTS, Debian package). The CJK collection's face 2 is Simplified
# Chinese (the brands' home market); it carries the Japanese and Korean glyphs too.
FALLBACK_FONTS = (
    ("NotoCJK", "", "NotoSansCJK-Regular.ttc", 2, Path("/usr/share/fonts/opentype/noto"), "fonts-noto-cjk"),
    ("NotoCJK", "B", "NotoSansCJK-Bold.ttc", 2, Path("/usr/share/fonts/opentype/noto"), "fonts-noto-cjk"),
    (
        "NotoEmoji",
        "",
        "NotoColorEmoji.ttf",
        0,
        Path("/usr/share/fonts/truetype/noto"),
        "fonts-noto-color-emoji",
    ),
)
NAME_MAX = 40  # characters of a brand's name in fixed places and sentences (a model's: twice that)
KPI_LINE_MAX = 60  # characters of one line of a KPI card (it wraps to at most two lines in its box)
CHANGED_ITEMS = 4  # "what changed" lines printed (one line each), so the briefing keeps to three pages
WATCH_ITEM_MAX = 220  # characters of a watch-list item (two lines): names in it are the data's own
MARGIN = 12.0  # mm
GREY = (90, 90, 90)
LIGHT = (235, 235, 235)
# The verdict sentence says it in words; the symbol repeats it for a glance (no colour needed).
VERDICT_MARK = {"met": "✔", "on_track": "●", "behind": "▼", "none": "–"}


class BriefingError(RuntimeError):
    """The PDF could not be made (fonts or charts missing); the message says what to install."""


def font_dir() -> Path:
    configured = os.environ.get("EVDASH_PDF_FONTS")
    for folder in ([Path(configured)] if configured else []) + list(FONT_DIRS):
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    raise BriefingError(
        "no DejaVuSans.ttf / DejaVuSans-Bold.ttf found (looked in "
        + ", ".join(str(f) for f in ([Path(configured)] if configured else []) + list(FONT_DIRS))
        + "); install Debian's fonts-dejavu-core or set EVDASH_PDF_FONTS to a folder holding them"
    )


def fallback_font_files() -> list[tuple[str, str, Path, int]]:
    """(family, style, file, collection index) of every fallback font; BriefingError names the package
    to install when one is missing."""
    configured = os.environ.get("EVDASH_PDF_FONTS")
    found = []
    for family, style, name, index, folder, package in FALLBACK_FONTS:
        candidates = ([Path(configured) / name] if configured else []) + [folder / name]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise BriefingError(
                f"no {name} found (looked in {', '.join(str(c.parent) for c in candidates)}); install "
                f"Debian's {package} (the briefing prints Chinese, Japanese, Korean and emoji with it)"
            )
        found.append((family, style, path, index))
    return found


def _for_print(b: Briefing) -> Briefing:
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


class _Doc(FPDF):
    def __init__(self, b: Briefing, paper: Paper) -> None:
        super().__init__(orientation="P", unit="mm", format="A4" if paper == "A4" else "Letter")
        self.b = b
        folder = font_dir()
        self.add_font(FONT, "", str(folder / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(folder / "DejaVuSans-Bold.ttf"))
        families = []
        for family, style, path, index in fallback_font_files():
            self.add_font(family, style, str(path), collection_font_number=index)
            families.append(family)
        # exact_match=False: a bold run falls back to the regular emoji face (there is no bold one).
        self.set_fallback_fonts(list(dict.fromkeys(families)), exact_match=False)
        self.set_margins(MARGIN, MARGIN + 6, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 14)
        self.set_title(f"{b.brand_name} executive briefing, {b.on:%Y-%m-%d}")
        self.set_author("evdash")
        self.set_creator("evdash briefing")
        self.set_creation_date(dt.datetime(b.on.year, b.on.month, b.on.day, tzinfo=dt.UTC))

    @property
    def width(self) -> float:
        return float(self.w - 2 * MARGIN)

    def header(self) -> None:
        self.set_xy(MARGIN, 7)
        self.set_font(FONT, "B", 8)
        self.set_text_color(*GREY)
        self.cell(
            self.width / 2, 5, self._fit(f"evdash executive briefing · {self.b.brand_name}", self.width / 2)
        )
        self.set_font(FONT, "", 8)
        self.cell(
            self.width / 2,
            5,
            f"in force on {self.b.on:%-d %b %Y} · data as of {labels.day(self.b.data_as_of)}",
            align="R",
        )
        self.set_draw_color(*GREY)
        self.line(MARGIN, 12.5, self.w - MARGIN, 12.5)
        self.set_text_color(0, 0, 0)
        self.set_xy(MARGIN, MARGIN + 6)

    def footer(self) -> None:
        b = self.b
        self.set_y(-(MARGIN + 11))
        self.set_draw_color(*GREY)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_font(FONT, "", 6.5)
        self.set_text_color(*GREY)
        filters = " · ".join(f"{k}: {v}" for k, v in b.filters.items())
        # Wrapped, within about three lines: the footer's space is fixed.
        self.multi_cell(
            self.width,
            3.2,
            self._fit(f"Filters: {filters}", 2.7 * self.width),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        number_width = self.get_string_width("page 99 of 99") + 1
        self.cell(
            self.width - number_width,
            3.4,
            self._fit(
                f"Brand {b.brand_name} · data as of {labels.day(b.data_as_of)} · version {b.version}"
                f" · {b.newest_text}",
                self.width - number_width,
            ),
        )
        self.cell(number_width, 3.4, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # --- building blocks ---

    def heading(self, text: str, size: float = 11, keep_mm: float = 30) -> None:
        """A section heading, moved to the next page with its section when less than `keep_mm` is left."""
        if self.get_y() + keep_mm > self.page_break_trigger:
            self.add_page()
        self.ln(1.5)
        self.set_font(FONT, "B", size)
        self.multi_cell(self.width, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(FONT, "", 8.5)

    def para(self, text: str, size: float = 8.5, height: float = 4.0, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(self.width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_font(FONT, "", 8.5)

    def image_block(self, png: bytes, height_mm: float) -> None:
        import io

        if self.get_y() + height_mm > self.page_break_trigger:
            self.add_page()
        self.image(io.BytesIO(png), x=MARGIN, y=self.get_y(), w=self.width, h=height_mm)
        self.set_y(self.get_y() + height_mm + 1)

    def kpi_row(self, title: str, kpis: Sequence[Kpi]) -> None:
        self.set_font(FONT, "B", 8)
        self.set_text_color(*GREY)
        self.cell(self.width, 4.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.set_text_color(0, 0, 0)
        n = max(len(kpis), 1)
        gap = 2.0
        w = (self.width - gap * (n - 1)) / n
        top = self.get_y()
        heights = []
        for i, k in enumerate(kpis):
            x = MARGIN + i * (w + gap)
            self.set_xy(x + 1.5, top + 1.2)
            self.set_font(FONT, "", 7)
            self.set_text_color(*GREY)
            self.multi_cell(w - 3, 3.2, k.label, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
            self.set_text_color(0, 0, 0)
            self.set_font(FONT, "B", 13)
            self.multi_cell(w - 3, 6.2, k.value, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
            self.set_font(FONT, "", 7)
            for line in (k.delta, k.change):
                if line:
                    self.multi_cell(w - 3, 3.2, line, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
            if k.provenance:
                self.set_font(FONT, "", 6)
                self.set_text_color(*GREY)
                self.multi_cell(w - 3, 2.8, k.provenance, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
                self.set_text_color(0, 0, 0)
            heights.append(self.get_y() - top + 1.2)
        height = max(heights, default=10.0)
        self.set_draw_color(*GREY)
        for i, k in enumerate(kpis):
            x = MARGIN + i * (w + gap)
            # A lower bound or estimate gets a dashed frame as well as its words: visible in greyscale.
            if k.confidence in ("lower_bound", "estimate"):
                with self.local_context():
                    self.set_dash_pattern(dash=1.2, gap=0.8)
                    self.rect(x, top, w, height)
            else:
                self.rect(x, top, w, height)
        self.set_xy(MARGIN, top + height + 2)

    def grid(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        align: Sequence[str],
        size: float = 7.5,
        bold_rows: Sequence[int] = (),
    ) -> None:
        total = sum(widths)
        scale = self.width / total
        widths = [w * scale for w in widths]
        line = size * 0.5
        self.set_font(FONT, "B", size)
        self.set_fill_color(*LIGHT)
        for head, w in zip(headers, widths, strict=True):
            self.cell(w, line + 1.5, head, border="B", fill=True)
        self.ln(line + 1.5)
        for index, row in enumerate(rows):
            if self.get_y() + line + 1 > self.page_break_trigger:
                self.add_page()
            self.set_font(FONT, "B" if index in bold_rows else "", size)
            for value, w, a in zip(row, widths, align, strict=True):
                self.cell(w, line + 1, self._fit(value, w), align=a)
            self.ln(line + 1)
        self.set_font(FONT, "", 8.5)
        self.ln(1)

    def _fit(self, value: str, width: float) -> str:
        """Cut a cell's text to its column (with an ellipsis) rather than overprint the next one, on one line
        (a cell of fixed height never wraps)."""
        value = text.one_line(value)[:2000]  # never measure more than a few lines can hold
        if self.get_string_width(value) <= width - 1:
            return value
        low, high = 0, len(value)  # the longest prefix that fits with the ellipsis
        while low < high:
            mid = (low + high + 1) // 2
            if self.get_string_width(value[:mid].rstrip() + "…") <= width - 1:
                low = mid
            else:
                high = mid - 1
        return value[:low].rstrip() + "…"


def _verdict_box(pdf: _Doc, b: Briefing) -> None:
    pdf.set_font(FONT, "B", 16)
    what = f": executive briefing, {b.on:%-d %B %Y}"  # stays whole; the name gives way
    name = pdf._fit(b.brand_name, pdf.width - pdf.get_string_width(what))
    pdf.cell(pdf.width, 8, name + what, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 1
    pdf.set_xy(MARGIN + 2, top + 1.5)
    pdf.set_font(FONT, "B", 10.5)
    mark = VERDICT_MARK.get(b.verdict_level, b.verdict_level)
    pdf.multi_cell(pdf.width - 4, 5, f"{mark} {b.verdict}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.set_x(MARGIN + 2)
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(pdf.width - 4, 3.6, b.attainment_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    if b.overdue_sources:  # the sources that are late, as the Overview and `evdash status` say it
        pdf.set_x(MARGIN + 2)
        pdf.multi_cell(pdf.width - 4, 3.6, b.overdue_sources, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    bottom = pdf.get_y() + 1.5
    pdf.set_line_width(0.6)
    pdf.rect(MARGIN, top, pdf.width, bottom - top)
    pdf.set_line_width(0.2)
    pdf.set_xy(MARGIN, bottom + 2)


def _watch(pdf: _Doc, b: Briefing) -> None:
    pdf.heading("Watch list")
    if not b.watch:
        pdf.para(
            "Nothing to watch: no pace, duty, VAT, quota, staleness or target item applies on this date."
        )
    for item in b.watch:
        pdf.set_font(FONT, "B", 8)
        mark = SEVERITY_MARK[item.severity]
        pdf.cell(17, 4, mark)
        pdf.set_font(FONT, "", 8)
        pdf.multi_cell(pdf.width - 17, 4, item.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _changed(pdf: _Doc, b: Briefing) -> None:
    """'What changed since <date>': the counts, then the first CHANGED_ITEMS items one line each (the
    Overview lists them all, each linked to its page)."""
    if not b.changed_text:
        return
    pdf.heading(b.changed_text, size=9, keep_mm=12)
    for item in b.changed[:CHANGED_ITEMS]:
        pdf.set_font(FONT, "", 6.5)
        line = f"{labels.day(item.date)} · {item.text}"
        pdf.cell(pdf.width, 3.0, pdf._fit(line, pdf.width), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rest = len(b.changed) - CHANGED_ITEMS
    if rest > 0:
        pdf.para(f"… and {rest} more on the Overview (What changed since).", size=6.5, height=3.0)


FIRST_CHART_MIN_MM = 80.0  # the first page's chart is never drawn smaller (it moves to page 2 instead)
NOTE_LINE_MM = 3.8


def _analyst_notes(pdf: _Doc, b: Briefing) -> None:
    """The newest analyst notes (`notes.briefing_lines`) under the watch list, one line each, as many as
    leave page 1 room for its chart (the rest counted: the briefing stays on its pages); nothing when
    there are none. A note's whole text is on the Sources page."""
    if not b.analyst_notes:
        return
    room = int((pdf.page_break_trigger - pdf.get_y() - 2 - FIRST_CHART_MIN_MM) // NOTE_LINE_MM)
    if room < 1:
        return
    lines = list(b.analyst_notes[:room])
    if len(b.analyst_notes) > room:
        more = len(b.analyst_notes) - room + 1
        lines[-1] = f"… and {more} more note(s) on the Sources page"
    for n, line in enumerate(lines):
        pdf.set_font(FONT, "B", 8)
        pdf.cell(17, NOTE_LINE_MM, "Note" if n else "Notes")
        pdf.set_font(FONT, "", 8)
        pdf.cell(
            pdf.width - 17, NOTE_LINE_MM, pdf._fit(line, pdf.width - 17), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )


def _years_rows(b: Briefing) -> list[list[str]]:
    rows = []
    for r in b.years.to_dict("records"):
        at_least = bool(r["delivered_is_at_least"]) if pd.notna(r["delivered_is_at_least"]) else False
        rows.append(
            [
                str(r["year"]),
                fmt_int(r["delivered_units"], at_least),
                str(r["delivered_basis_label"]) if pd.notna(r["delivered_basis_label"]) else "",
                CONFIDENCE_LABEL.get(str(r["delivered_confidence"]), "")
                if pd.notna(r["delivered_confidence"])
                else "",
                fmt_int(r["final_target_units"], r["target_confidence"] == "lower_bound")
                if pd.notna(r["final_target_units"])
                else "none",
                str(int(r["target_revisions"])),
                ("≥ " if at_least else "") + fmt_pct(r["attainment_pct"])
                if pd.notna(r["attainment_pct"])
                else "—",
            ]
        )
    return rows


def _attainment(row: pd.Series, suffix: str) -> list[str]:
    units = row.get(f"delivered_units{suffix}")
    if units is None or pd.isna(units):
        target = row.get(f"final_target_units{suffix}")
        return ["no figure", fmt_int(target) if target is not None and pd.notna(target) else "none", "—"]
    at_least = bool(row.get(f"delivered_is_at_least{suffix}") is True)
    partial = (
        row.get(f"delivered_basis{suffix}") == "sum_of_months"
        and (row.get(f"months_with_data{suffix}") or 12) < 12
    )
    value = fmt_int(units, at_least) + (f" ({int(row[f'months_with_data{suffix}'])} mo.)" if partial else "")
    target = fmt_int(
        row.get(f"final_target_units{suffix}"), bool(row.get(f"target_is_at_least{suffix}") is True)
    )
    pct = row.get(f"attainment_pct{suffix}")
    return [
        value,
        target,
        ("≥ " if at_least else "") + fmt_pct(pct) if pct is not None and pd.notna(pct) else "—",
    ]


def _peer_rows(b: Briefing) -> tuple[list[list[str]], list[int]]:
    rows, bold = [], []
    for i, (_, r) in enumerate(b.peers.iterrows()):
        mark = " ◀" if r["brand_id"] == b.brand_id else ""
        if mark:
            bold.append(i)
        rows.append([f"{r['brand_name']}{mark}", *_attainment(r, "_prev"), *_attainment(r, "")])
    return rows, bold


def _landed_rows(b: Briefing) -> list[list[str]]:
    rows = []
    for r in b.landed.to_dict("records"):
        rows.append(
            [
                f"{r['market_name']} ({r['market_code']})",
                str(r["status"]),
                f"≈ {CURRENCY} {r['landed']:,.0f}" if pd.notna(r["landed"]) else "not computable",
                f"{r['duty_burden_pct']:.1f}%" if pd.notna(r["duty_burden_pct"]) else "unknown",
                str(r["rival"]) if isinstance(r["rival"], str) else "no comparable price in the data",
                (
                    f"{CURRENCY} {r['rival_price']:,.0f}"
                    + (" (est.)" if r["rival_confidence"] == "estimate" else "")
                    if pd.notna(r["rival_price"])
                    else "—"
                ),
                f"{r['gap_pct']:+.1f}%" if pd.notna(r["gap_pct"]) else "—",
            ]
        )
    return rows


def build_pdf(b: Briefing, render: Render, paper: Paper = "A4") -> tuple[bytes, int]:
    """The briefing PDF's bytes and its page count. `render(fig, width_mm, height_mm) -> PNG` draws the
    charts (`evdash.static_charts.Renderer`)."""
    b = _for_print(b)
    pdf = _Doc(b, paper)
    pdf.alias_nb_pages()
    pdf.add_page()
    _verdict_box(pdf, b)
    pdf.kpi_row("Overview", b.overview_kpis)
    pdf.kpi_row(f"Deliveries vs target, {b.year}", b.deliveries_kpis)
    _watch(pdf, b)
    _analyst_notes(pdf, b)
    pdf.ln(1)
    cumulative = cumulative_vs_target(b.cumulative, b.brand_name, b.year, b.year_events)
    # 100 mm, or what is left of the first page down to 80 mm, so that the chart stays on it.
    height = max(FIRST_CHART_MIN_MM, min(100.0, pdf.page_break_trigger - pdf.get_y() - 1))
    pdf.image_block(render(cumulative, pdf.width, height), height)

    pdf.add_page()
    pdf.heading("Deliveries per year against the final company target")
    years = years_vs_target(b.years, b.brand_name, b.all_events)
    pdf.image_block(render(years, pdf.width, 78), 78)
    pdf.grid(
        ["Year", "Delivered", "Basis", "Confidence", "Final target", "Revisions", "Attainment"],
        _years_rows(b),
        [10, 18, 28, 24, 18, 12, 15],
        ["L", "R", "L", "L", "R", "R", "R"],
    )
    pdf.heading(f"Peers: delivered against the final company target, {b.year - 1} and {b.year}")
    rows, bold = _peer_rows(b)
    if rows:
        y0, y1 = b.year - 1, b.year
        pdf.grid(
            [
                "Brand",
                f"{y0} delivered",
                f"{y0} target",
                f"{y0} %",
                f"{y1} delivered",
                f"{y1} target",
                f"{y1} %",
            ],
            rows,
            [34, 20, 18, 13, 22, 18, 13],
            ["L", "R", "R", "R", "R", "R", "R"],
            bold_rows=bold,
        )
        pdf.para(
            "≥ = at least (a lower bound: the company said 'over N'); (n mo.) = sum of n monthly "
            "figures only.",
            size=6.5,
            height=3,
        )
    else:
        pdf.para(f"No brand has a company target for {b.year - 1} or {b.year} in the data.")
    pdf.heading(f"Where {b.brand_name} is, on {b.on:%-d %b %Y}")
    status_map = choropleth(
        b.status,
        value_col="category",
        kind="categorical",
        title=f"{b.brand_name}: expansion status on {labels.day(b.on)}",
        unit="",
        label_col="shown_as",
        categories=expansion.STATUS_LABELS,
    )
    pdf.image_block(render(status_map, pdf.width, 78), 78)
    known = b.status[b.status["category"].notna()]
    pdf.para(
        " · ".join(f"{r.country}: {r.shown_as}" for r in known.itertuples(index=False))
        or "No expansion statuses in the data for this brand.",
        size=7.5,
        height=3.5,
    )

    pdf.heading(f"Landed price of the {b.focus_model} in the focus markets, against the cheapest rival")
    if b.landed.empty:
        pdf.para("No landed price: the brand has no home price or no market beyond home in the data.")
    else:
        pdf.grid(
            [
                "Market",
                "Status",
                "Landed estimate",
                "Duties on CIF",
                "Cheapest comparable rival",
                "Rival price",
                "Gap",
            ],
            _landed_rows(b),
            [24, 25, 22, 18, 40, 17, 12],
            ["L", "L", "R", "R", "L", "R", "R"],
        )
        pdf.para(
            "Estimate = home sticker price less 13% China VAT, at the FX rate in force, + 5% freight = "
            "CIF, + import duties on CIF, + VAT on CIF and duties; dealer margin and registration taxes "
            "excluded. Gap = estimate vs the cheapest rival of the same body type priced in that market.",
            size=7,
            height=3.3,
        )
        for r in b.landed.itertuples(index=False):
            if isinstance(r.warnings, str) and r.warnings:
                pdf.para(f"{r.market_name}: {r.warnings}", size=7, height=3.3)
            if isinstance(r.incentive, str) and r.incentive:
                pdf.para(f"{r.market_name}, purchase incentive: {r.incentive}", size=7, height=3.3)

    _changed(pdf, b)
    pdf.heading("Sources used")
    pdf.para(
        "Confidence: Reported = stated by the company or an official body; ≥ / At least (lower bound) = the "
        "company said 'over N'; ≈ / Estimate = third-party or derived. Every figure above names its source.",
        size=7,
        height=3.3,
    )
    for n, source in enumerate(b.sources, start=1):
        pdf.set_font(FONT, "", 6.5)
        pdf.cell(
            pdf.width,
            3.0,
            pdf._fit(f"{n}. {source.publisher}: {source.url}", pdf.width),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output()), pdf.page_no()


def write(b: Briefing, path: Path, render: Render, paper: Paper = "A4") -> int:
    """Write the PDF to `path` atomically (a temp file, then rename); returns the page count."""
    data, pages = build_pdf(b, render, paper)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return pages


def make(
    db_file: str,
    brand: str,
    on: dt.date,
    paper: Paper = "A4",
    *,
    overview: OverviewView | None = None,
    since: dt.date | None = None,
) -> bytes:
    """The briefing PDF of `brand` on `on` from a database file: what `evdash briefing` writes and what the
    Overview's "Briefing (PDF)" button downloads, built on the Overview's view model when it is given, with
    "what changed" after the page's `since` date."""
    from evdash import db, static_charts

    with db.connect_readonly(Path(db_file)) as con:
        data = briefing_service.briefing_view(con, Scenario(brand, on), overview, since)
    with static_charts.Renderer() as render:
        pdf, _ = build_pdf(data, render, paper)
    return pdf


def filename(brand: str, on: dt.date) -> str:
    return f"evdash-briefing-{brand}-{on:%Y-%m-%d}.pdf"
