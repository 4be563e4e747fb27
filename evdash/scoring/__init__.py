"""Market-attractiveness scoring. Pure: DataFrames in, DataFrames out; no I/O.

Method (shown on the page):

1. **Measures** per market (raw units): EV market size (cars/yr), EV share (%), EV sales growth
   (% y/y), BEV share (%), body-type fit (share of the model's body type, %), tariff burden (duties
   as % of CIF, lower is better), landed-price gap vs local rivals (%, lower is better), existing
   presence (0–1 from the brand's status; no record = 0, a known absence, not missing data).
2. **Normalisation** to 0–1 across the markets being compared, so a measure's unit never matters:
   * `minmax`: (x − min) / (max − min); for a lower-is-better measure 1 − that. All equal → 0.5.
   * `percentile`: average rank scaled to 0–1 ((rank − 1) / (n − 1)); robust to outliers such as
     China's or the US's volumes. One market → 0.5.
   Missing values stay missing (never 0).
3. **Weights** ≥ 0 from the analyst; a zero weight drops the measure. A measure with no value in
   any compared market is dropped and listed.
4. **Score** = Σ wᵢ·nᵢ / Σ wᵢ over the measures the market has, × 100 (0–100). With
   `missing="rescale"` a market missing a weighted measure is scored on the rest and flagged, with
   its coverage (share of total weight it had data for); with `missing="exclude"` it is left out
   of the ranking and listed with the reason. Each measure's contribution wᵢ·nᵢ / Σ wᵢ · 100 adds
   up to the score (the stacked bar).
5. **Sensitivity**: every combination of −10 %, 0, +10 % on each active weight (3ᵏ − 1 scenarios)
   is scored; the share that keeps the same top 3 in the same order is reported, and the
   one-at-a-time changes that break it are listed.

The package, one job a module: `measures` (the measures, presets and shared constants), `score`
(normalisation, the score, sensitivity, scale), `assemble` (the measures per market and their
provenance), `basis` (one basis year per measure), `proxies`, `gates` (market requirements) and
`explain` (the ranking in words). Callers use `from evdash import scoring; scoring.X`.
"""

from __future__ import annotations

from evdash.scoring.assemble import (
    PRESENCE_LEVEL,
    assemble_measures,
    number_or_none,
    presence_level,
    provenance_for_people,
    ranking_export,
)
from evdash.scoring.basis import (
    BASIS_MEASURES,
    BASIS_MIN_SHARE,
    Basis,
    BasisMeasure,
    basis_columns,
    basis_for_people,
    basis_year,
    pick_basis,
)
from evdash.scoring.explain import (
    IMPLIED_SHARE_OF_TARGET,
    NOUN,
    ORDINAL,
    Plan,
    all_peer_shares,
    body_fit_basis,
    body_fit_note,
    brand_plan,
    default_volume,
    explain_top,
    implied_share,
    peer_shares_text,
    plan_markets_low,
    prohibitive_leaders,
    regional_body_fit,
    with_market_context,
)
from evdash.scoring.gates import (
    GATE_POLICIES,
    gap_summary,
    gate_markets,
    requirement_gaps,
    with_excluded,
    with_gaps,
)
from evdash.scoring.measures import (
    BASIS,
    DEFAULT_PRESET,
    DEFAULT_WEIGHTS,
    MEASURE_BY_KEY,
    MEASURES,
    MISSING_POLICIES,
    NORMALISATIONS,
    PLAN_STATUSES,
    PLANNED_STATUSES,
    PRESET_BY_KEY,
    PRESET_LABEL,
    PRESET_LIST,
    PRESETS,
    PROHIBITIVE_DUTY_PCT,
    Measure,
    Method,
    MissingPolicy,
    Preset,
)
from evdash.scoring.proxies import proxied_markets, proxy_bounded, proxy_score_range
from evdash.scoring.score import (
    SCALE_SPAN,
    SHARE_MEASURES,
    ScoreResult,
    Sensitivity,
    completeness,
    normalise,
    scale_factors,
    scaled_shares,
    score_markets,
    sensitivity,
)

__all__ = [
    "BASIS",
    "BASIS_MEASURES",
    "BASIS_MIN_SHARE",
    "DEFAULT_PRESET",
    "DEFAULT_WEIGHTS",
    "GATE_POLICIES",
    "IMPLIED_SHARE_OF_TARGET",
    "MEASURES",
    "MEASURE_BY_KEY",
    "MISSING_POLICIES",
    "NORMALISATIONS",
    "NOUN",
    "ORDINAL",
    "PLANNED_STATUSES",
    "PLAN_STATUSES",
    "PRESENCE_LEVEL",
    "PRESETS",
    "PRESET_BY_KEY",
    "PRESET_LABEL",
    "PRESET_LIST",
    "PROHIBITIVE_DUTY_PCT",
    "SCALE_SPAN",
    "SHARE_MEASURES",
    "Basis",
    "BasisMeasure",
    "Measure",
    "Method",
    "MissingPolicy",
    "Plan",
    "Preset",
    "ScoreResult",
    "Sensitivity",
    "all_peer_shares",
    "assemble_measures",
    "basis_columns",
    "basis_for_people",
    "basis_year",
    "body_fit_basis",
    "body_fit_note",
    "brand_plan",
    "completeness",
    "default_volume",
    "explain_top",
    "gap_summary",
    "gate_markets",
    "implied_share",
    "normalise",
    "number_or_none",
    "peer_shares_text",
    "pick_basis",
    "plan_markets_low",
    "presence_level",
    "prohibitive_leaders",
    "provenance_for_people",
    "proxied_markets",
    "proxy_bounded",
    "proxy_score_range",
    "ranking_export",
    "regional_body_fit",
    "requirement_gaps",
    "scale_factors",
    "scaled_shares",
    "score_markets",
    "sensitivity",
    "with_excluded",
    "with_gaps",
    "with_market_context",
]
