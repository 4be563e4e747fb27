"""The floor for the browser benchmark (`bench/browser_bench.py`): a Streamlit page with one trivial
Plotly chart and nothing else, served with the same flags and `.streamlit/config.toml` as the dashboard.

    .venv/bin/python -m bench.browser_bench      # starts this page next to the dashboard
"""

import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2])))
