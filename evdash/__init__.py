"""evdash: analytics dashboard for electric-vehicle market expansion.

The core (build, queries, figures, filters, exports) never imports Streamlit; the Streamlit glue
lives in the web package `evdash.web` (pages use its facade `evdash.ui`) and the page scripts.
"""

__version__ = "0.1.0"
