"""The peers' selections of the deliveries peers query (`queries/deliveries_peers.sql`): attainment in a
year, and annual deliveries of whole years."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def peer_attainment(peers: pd.DataFrame, year: int) -> pd.DataFrame:
    """Brands with a company target in `year`, best attainment first (rows of deliveries_peers.sql)."""
    part = peers[(peers["year"] == year) & peers["final_target_units"].notna()]
    return part.sort_values("attainment_pct", ascending=False, na_position="last").reset_index(drop=True)


def peer_deliveries(peers: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Annual deliveries of every brand with a whole year's figure in one of `years` (rows of
    deliveries_peers.sql). A year the figure does not cover whole (to 31 Mar, or one market's month:
    `is_whole_year` of the brand × year mart) is not a year beside the others' years, so it is left out."""
    part = peers[
        peers["year"].isin(list(years))
        & peers["delivered_units"].notna()
        & peers["is_whole_year"].astype(bool)
    ]
    return part.sort_values(["year", "delivered_units"], ascending=[True, False]).reset_index(drop=True)
