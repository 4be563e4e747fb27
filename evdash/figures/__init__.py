"""Pure figure builders: DataFrame in, plotly Figure out. No Streamlit, no I/O."""
