"""The briefing's sections, laid out in order on a `Doc`: page 1 (verdict box, KPI cards, watch list,
analyst notes, the cumulative chart), then the years, the peers, the expansion map, the landed prices,
"what changed" and the sources used. The charts are the pages' own figure builders, drawn by `render`."""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from evdash import expansion, labels
from evdash.briefing import Briefing
from evdash.briefing_pdf.document import MARGIN, Doc, Render
from evdash.briefing_pdf.fonts import FONT
from evdash.briefing_pdf.rows import landed_rows, peer_rows, years_rows
from evdash.figures.deliveries import cumulative_vs_target
from evdash.figures.maps import choropleth
from evdash.figures.overview import years_vs_target
from evdash.watch import SEVERITY_MARK

CHANGED_ITEMS = 4  # "what changed" lines printed (one line each), so the briefing keeps to three pages
# The verdict sentence says it in words; the symbol repeats it for a glance (no colour needed).
VERDICT_MARK = {"met": "✔", "on_track": "●", "behind": "▼", "none": "–"}


def verdict_box(pdf: Doc, b: Briefing) -> None:
    pdf.set_font(FONT, "B", 16)
    what = f": executive briefing, {b.on:%-d %B %Y}"  # stays whole; the name gives way
    name = pdf.fit_text(b.brand_name, pdf.width - pdf.get_string_width(what))
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


def watch_list(pdf: Doc, b: Briefing) -> None:
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


def changed(pdf: Doc, b: Briefing) -> None:
    """'What changed since <date>': the counts, then the first CHANGED_ITEMS items one line each (the
    Overview lists them all, each linked to its page)."""
    if not b.changed_text:
        return
    pdf.heading(b.changed_text, size=9, keep_mm=12)
    for item in b.changed[:CHANGED_ITEMS]:
        pdf.set_font(FONT, "", 6.5)
        line = f"{labels.day(item.date)} · {item.text}"
        pdf.cell(pdf.width, 3.0, pdf.fit_text(line, pdf.width), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    rest = len(b.changed) - CHANGED_ITEMS
    if rest > 0:
        pdf.para(f"… and {rest} more on the Overview (What changed since).", size=6.5, height=3.0)


FIRST_CHART_MIN_MM = 80.0  # the first page's chart is never drawn smaller (it moves to page 2 instead)
NOTE_LINE_MM = 3.8


def analyst_notes(pdf: Doc, b: Briefing) -> None:
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
            pdf.width - 17,
            NOTE_LINE_MM,
            pdf.fit_text(line, pdf.width - 17),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )


def first_page(pdf: Doc, b: Briefing, render: Render) -> None:
    """Page 1: the verdict box, the Overview's and the Deliveries page's KPI cards, the watch list, the
    analyst notes and the cumulative chart of the year, kept on the page."""
    verdict_box(pdf, b)
    pdf.kpi_row("Overview", b.overview_kpis)
    pdf.kpi_row(f"Deliveries vs target, {b.year}", b.deliveries_kpis)
    watch_list(pdf, b)
    analyst_notes(pdf, b)
    pdf.ln(1)
    cumulative = cumulative_vs_target(b.cumulative, b.brand_name, b.year, b.year_events)
    # 100 mm, or what is left of the first page down to 80 mm, so that the chart stays on it.
    height = max(FIRST_CHART_MIN_MM, min(100.0, pdf.page_break_trigger - pdf.get_y() - 1))
    pdf.image_block(render(cumulative, pdf.width, height), height)


def years_section(pdf: Doc, b: Briefing, render: Render) -> None:
    """Deliveries per year against the final company target: the Overview's years chart and its table."""
    pdf.heading("Deliveries per year against the final company target")
    years = years_vs_target(b.years, b.brand_name, b.all_events)
    pdf.image_block(render(years, pdf.width, 78), 78)
    pdf.grid(
        ["Year", "Delivered", "Basis", "Confidence", "Final target", "Revisions", "Attainment"],
        years_rows(b),
        [10, 18, 28, 24, 18, 12, 15],
        ["L", "R", "L", "L", "R", "R", "R"],
    )


def peers_section(pdf: Doc, b: Briefing) -> None:
    """The peers' delivered figures against their final targets in the year before and the year."""
    pdf.heading(f"Peers: delivered against the final company target, {b.year - 1} and {b.year}")
    rows, bold = peer_rows(b)
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


def status_section(pdf: Doc, b: Briefing, render: Render) -> None:
    """Where the brand is on the date: the expansion map and each market's status in words."""
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


def landed_section(pdf: Doc, b: Briefing) -> None:
    """The focus model's landed price in the focus markets against the cheapest rival, how the estimate is
    made, and each market's warnings and purchase incentive."""
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
            landed_rows(b),
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


def sources_section(pdf: Doc, b: Briefing) -> None:
    """The confidence legend and every source used, numbered, one line each."""
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
            pdf.fit_text(f"{n}. {source.publisher}: {source.url}", pdf.width),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
