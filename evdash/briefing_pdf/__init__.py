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

The package follows the jobs, one module each: `fonts` (the fonts and where they are found), `shorten`
(names cut for print), `document` (the page, its header and footer and building blocks), `rows` (the
tables as text) and `sections` (each part of the briefing, laid out); `build_pdf` lays them out in
order. Callers use `from evdash import briefing_pdf; briefing_pdf.X`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evdash.briefing import Briefing
from evdash.briefing_pdf import sections
from evdash.briefing_pdf.document import GREY, LIGHT, MARGIN, Doc, Paper, Render
from evdash.briefing_pdf.fonts import (
    FALLBACK_FONTS,
    FONT,
    FONT_DIRS,
    BriefingError,
    fallback_font_files,
    font_dir,
)
from evdash.briefing_pdf.sections import CHANGED_ITEMS, FIRST_CHART_MIN_MM, NOTE_LINE_MM, VERDICT_MARK
from evdash.briefing_pdf.shorten import KPI_LINE_MAX, NAME_MAX, WATCH_ITEM_MAX, for_print
from evdash.services import briefing as briefing_service
from evdash.services.overview import OverviewView, Scenario

__all__ = [
    "CHANGED_ITEMS",
    "FALLBACK_FONTS",
    "FIRST_CHART_MIN_MM",
    "FONT",
    "FONT_DIRS",
    "GREY",
    "KPI_LINE_MAX",
    "LIGHT",
    "MARGIN",
    "NAME_MAX",
    "NOTE_LINE_MM",
    "VERDICT_MARK",
    "WATCH_ITEM_MAX",
    "BriefingError",
    "Paper",
    "Render",
    "build_pdf",
    "fallback_font_files",
    "filename",
    "font_dir",
    "make",
    "write",
]


def build_pdf(b: Briefing, render: Render, paper: Paper = "A4") -> tuple[bytes, int]:
    """The briefing PDF's bytes and its page count. `render(fig, width_mm, height_mm) -> PNG` draws the
    charts (`evdash.static_charts.Renderer`)."""
    b = for_print(b)
    pdf = Doc(b, paper)
    pdf.alias_nb_pages()
    pdf.add_page()
    sections.first_page(pdf, b, render)

    pdf.add_page()
    sections.years_section(pdf, b, render)
    sections.peers_section(pdf, b)
    sections.status_section(pdf, b, render)
    sections.landed_section(pdf, b)
    sections.changed(pdf, b)
    sections.sources_section(pdf, b)
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
