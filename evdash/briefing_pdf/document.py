"""The briefing's page (`Doc`, an fpdf2 document): A4 or US Letter, the fonts embedded, the header and
footer every page carries (brand, filters, data as-of, the newest figure's age, data version, "page n of
N") and the building blocks the sections are laid out with (headings, paragraphs, images, KPI cards,
grids, text cut to its cell)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal

import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from evdash import labels, text
from evdash.briefing import Briefing
from evdash.briefing_pdf.fonts import FONT, fallback_font_files, font_dir
from evdash.kpis import Kpi

Paper = Literal["A4", "Letter"]
Render = Callable[[go.Figure, float, float], bytes]
MARGIN = 12.0  # mm
GREY = (90, 90, 90)
LIGHT = (235, 235, 235)


class Doc(FPDF):
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
            self.width / 2,
            5,
            self.fit_text(f"evdash executive briefing · {self.b.brand_name}", self.width / 2),
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
            self.fit_text(f"Filters: {filters}", 2.7 * self.width),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        number_width = self.get_string_width("page 99 of 99") + 1
        self.cell(
            self.width - number_width,
            3.4,
            self.fit_text(
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
                self.cell(w, line + 1, self.fit_text(value, w), align=a)
            self.ln(line + 1)
        self.set_font(FONT, "", 8.5)
        self.ln(1)

    def fit_text(self, value: str, width: float) -> str:
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
