"""Publishers' files read into import rows: one connector per recurring source (`evdash fetch SOURCE`).

Each connector is a pure reader `bytes -> Parsed` with a version (`evdash.connectors.base`); fetching,
keeping the raw file and importing its rows is the fetch service's job, not the reader's.
"""
