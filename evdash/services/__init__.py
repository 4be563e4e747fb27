"""The application layer: one service per question a page, the PDF, the e-mail or the CLI asks. A service
returns a plain view model (frames, the inputs of figures, texts, provenance) and imports no Streamlit and
no web layer. A page that is one view passes a cursor and a scenario (cached whole per scenario and data
version by `evdash.ui.view`); a page with independently filtered parts passes a `Reader` (`ui.reader`), so
each query and step is cached on its own parameters."""
