"""The application layer: one service per question a page, the PDF, the e-mail or the CLI asks. A service
takes a read connection (a cursor) and a scenario and returns a plain view model (frames, the inputs of
figures, texts, provenance); it imports no Streamlit and no web layer. The web layer caches a view model
per scenario and data version (`evdash.ui.view`)."""
