"""The page registry: every page of evdash, in the order the sidebar lists them. Register a new page here
with one line; the sidebar, the not-found page and the page tests read this list."""

from __future__ import annotations

# (script path relative to the repo, label, icon). Pages whose file does not exist are skipped.
NAV: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Overview", ":material/dashboard:"),
    ("pages/deliveries.py", "Deliveries vs targets", ":material/local_shipping:"),
    ("pages/expansion.py", "Expansion map", ":material/public:"),
    ("pages/pricing.py", "Pricing", ":material/sell:"),
    ("pages/markets.py", "Market ranking", ":material/leaderboard:"),
    ("pages/compare.py", "Compare two scenarios", ":material/compare_arrows:"),
    ("pages/market_mix.py", "Market mix (registrations)", ":material/donut_small:"),
    ("pages/data.py", "Data", ":material/database:"),
    ("pages/sources.py", "Sources", ":material/menu_book:"),
    ("pages/saved_views.py", "Saved views", ":material/bookmark:"),
)
