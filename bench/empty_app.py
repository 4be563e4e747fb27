"""The floor for the server benchmark: an empty Streamlit app (one line of text)."""

import streamlit as st

st.write("empty")
