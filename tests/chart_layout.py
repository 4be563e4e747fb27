"""How a drawn Plotly chart reads, measured in the browser (issue #12, phones): the geometry of every
chart on a page as Chromium laid it out at the page's real width, turned into a list of readable
problems. Used by tests/browser/test_chart_layout.py (must be empty at 375 and 1440 px) and printed by
`bench/screenshots.py` beside the screenshots.

What counts as a problem (each one seen on a 375 px phone before it was fixed):
* text outside the chart's own box: cut off ("arget 130,000", a legend entry running off the right);
* a tick label turned on its side (Plotly rotates labels that do not fit: vertical, cut, unreadable);
* text drawn smaller than `MIN_FONT_PX` (Plotly shrinks a bar label to fit its bar: ~6 px);
* the title, the legend and the plot area covering one another; an axis title over its tick labels or
  the legend; two labels over each other;
* a map drawn much smaller than the room it has (blank bands above and below the map).
"""

from __future__ import annotations

import time
from typing import Any

MIN_FONT_PX = 10.0
# A map may leave this share of its box empty, across or down: a map keeps its shape and its figure does
# not know its width, so its height sits between what fills a phone and what fills a desktop column.
MAX_MAP_BLANK = 0.3

MEASURE_JS = r"""
(minFont) => {
  const out = [];
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const inter = (a, b, pad) => a && b && a.left + pad < b.right && b.left + pad < a.right
      && a.top + pad < b.bottom && b.top + pad < a.bottom;
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 ? r : null; };
  const union = (rects) => { rects = rects.filter(Boolean); if (!rects.length) return null;
      return {left: Math.min(...rects.map(r => r.left)), right: Math.max(...rects.map(r => r.right)),
              top: Math.min(...rects.map(r => r.top)), bottom: Math.max(...rects.map(r => r.bottom))}; };
  plots.forEach((gd, index) => {
    const problems = [];
    const svg = gd.querySelector('svg.main-svg');
    if (!svg) return;
    const frame = svg.getBoundingClientRect();
    const title = (gd.querySelector('.gtitle') || {}).textContent || '';
    const name = `chart ${index + 1} (${title.slice(0, 40) || 'untitled'})`;
    const texts = [...gd.querySelectorAll('svg text')].filter(t => {
      if (!t.textContent.trim() || t.closest('.hoverlayer')) return false;
      const cs = getComputedStyle(t);
      return cs.display !== 'none' && cs.visibility !== 'hidden' && parseFloat(cs.opacity || '1') > 0
          && box(t);
    });
    const kind = (t) => {
      const c = (t.getAttribute('class') || '') + ' ' + (t.parentNode.getAttribute('class') || '');
      if (/gtitle/.test(c)) return 'title';
      if (/legendtext|legendtitletext/.test(c) || t.closest('.legend')) return 'legend';
      if (/xtitle|ytitle/.test(c)) return 'axistitle';
      if (/xtick|ytick/.test(c) || t.closest('.xtick, .ytick')) return 'tick';
      if (t.closest('.colorbar')) return 'colorbar';
      return 'label';
    };
    const item = texts.map(t => ({t, r: box(t), k: kind(t), s: t.textContent.trim().slice(0, 50)}));
    for (const {t, r, k, s} of item) {
      if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1
          || r.bottom > frame.bottom + 1) problems.push(`${k} '${s}' is cut off at the chart's edge`);
      const m = t.getCTM();
      const scale = m ? Math.sqrt(m.a * m.a + m.b * m.b) : 1;
      const size = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (size < minFont - 0.01) problems.push(`${k} '${s}' is ${size.toFixed(1)} px`);
      const rot = (t.getAttribute('transform') || '') + ' ' + (t.parentNode.getAttribute('transform') || '');
      const angle = m ? Math.abs(Math.atan2(m.b, m.a) * 180 / Math.PI) : 0;
      if (k === 'tick' && (angle > 1 || /rotate\((?!0[,)])/.test(rot))) problems.push(`tick '${s}' is turned`);
    }
    const size = (gd._fullLayout || {})._size;
    const plotArea = size && !gd.querySelector('.geo') ? {left: frame.left + size.l, right: frame.left + size.l + size.w,
        top: frame.top + size.t, bottom: frame.top + size.t + size.h} : null;
    const titleBox = union(item.filter(i => i.k === 'title').map(i => i.r));
    const legendBox = box(gd.querySelector('.legend rect.bg')) || union(item.filter(i => i.k === 'legend').map(i => i.r));
    if (inter(titleBox, legendBox, 1)) problems.push('the legend covers the title');
    if (inter(titleBox, plotArea, 1)) problems.push('the title covers the plot');
    if (inter(legendBox, plotArea, 2)) problems.push('the legend covers the plot');
    for (const a of item.filter(i => i.k === 'axistitle')) {
      if (inter(a.r, legendBox, 1)) problems.push(`the axis title '${a.s}' is under the legend`);
      for (const b of item.filter(i => i.k === 'tick'))
        if (inter(a.r, b.r, 1)) { problems.push(`the axis title '${a.s}' covers the tick '${b.s}'`); break; }
    }
    const labels = item.filter(i => i.k === 'label' || i.k === 'tick' || i.k === 'axistitle');
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i], b = labels[j];
      if (a.t.parentNode === b.t.parentNode && a.k === 'tick') continue;  // lines of one label
      if (inter(a.r, b.r, 2)) problems.push(`'${a.s}' and '${b.s}' overlap`);
    }
    for (const geo of gd.querySelectorAll('.geo')) {
      const full = gd._fullLayout;
      const g = full.geo; const d = g.domain;
      const w = size.w * (d.x[1] - d.x[0]), h = size.h * (d.y[1] - d.y[0]);
      const land = union([...geo.querySelectorAll('path.choroplethlocation, .ocean path, .land path')].map(box));
      if (!land) { problems.push('the map has no shapes'); continue; }
      const blankH = 1 - (Math.min(land.bottom, frame.bottom) - Math.max(land.top, frame.top)) / h;
      const blankW = 1 - (Math.min(land.right, frame.right) - Math.max(land.left, frame.left)) / w;
      if (blankH > %MAXBLANK% || blankW > %MAXBLANK%)
        problems.push(`the map fills ${Math.round(100 * (1 - blankW))}% of its width and `
            + `${Math.round(100 * (1 - blankH))}% of its height`);
    }
    if (problems.length) out.push({chart: name, problems: [...new Set(problems)]});
  });
  return out;
}
"""


def chart_problems(page: Any, min_font: float = MIN_FONT_PX) -> list[str]:
    """Every layout problem of every Plotly chart on `page` (a Playwright page that has drawn them),
    one line each: "chart 2 (Annual deliveries vs peers): tick '3,000,000' is turned"."""
    script = MEASURE_JS.replace("%MAXBLANK%", str(MAX_MAP_BLANK))
    found = page.evaluate(script, min_font)
    return [f"{entry['chart']}: {problem}" for entry in found for problem in entry["problems"]]


def wait_drawn(page: Any) -> None:
    """Wait until the page has a heading, no script is running, every chart has its SVG, and that state
    has held for two seconds (the same number of elements and charts) with no skeleton left: right after
    the heading, a chart or metric may still be a grey skeleton while its component loads (every request
    passes the offline guard, which makes that slow), and "every chart has drawn" holds for an empty list."""
    page.get_by_role("heading", level=1).first.wait_for(timeout=120_000)
    state = """() => {
        const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
        if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return null;
        if (document.querySelector('[data-testid="stSkeleton"]')) return null;  // a component still loading
        if (!charts.every(c => c.querySelector('.main-svg'))) return null;
        return document.querySelectorAll('[data-testid="stElementContainer"]').length + ':' + charts.length
            + ':' + document.querySelectorAll('.main-svg path').length;
    }"""
    last, steady, deadline = None, 0, time.monotonic() + 120
    while time.monotonic() < deadline and steady < 4:
        now = page.evaluate(state)
        steady = steady + 1 if now is not None and now == last else 0
        last = now
        time.sleep(0.5)
    time.sleep(1.0)  # maps and transitions settle
