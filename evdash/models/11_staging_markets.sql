-- Staging: market statistics, one picked value per market × year × metric, from the national/industry
-- figures in market_stats and the IEA Global EV Data Explorer (iea_ev_data); IEA projections apart.

-- The IEA's car figures in the long shape of market_stats (rename and cast only), every edition kept (a
-- vintage: source_id + as_of, the day the edition was published). Metrics:
--   new_ev_sales = BEV + PHEV sales (only where both are published; FCEV left out, as market_stats' BEV + PHEV);
--   bev_sales; ev_share_pct = the IEA's "EV sales share"; ev_stock = BEV + PHEV stock; ev_stock_share_pct.
-- Historical rows are full years (reported); projection rows keep their scenario (STEPS / APS / CPS, estimate).
-- Invariant: one row per market × category × year × metric × edition (iea_ev_data's key makes the sums unique).
create view v_iea_car_metric_vintages as
with cars as (
    select * from iea_ev_data where mode = 'Cars'
),
sums as (
    select
        market_code, category, year, parameter, source_id, as_of,
        sum(value) filter (where powertrain in ('BEV', 'PHEV')) as ev_value,
        count(*) filter (where powertrain in ('BEV', 'PHEV')) as parts,
        max(value) filter (where powertrain = 'BEV') as bev_value,
        max(value) filter (where powertrain = 'EV') as share_value,
        worst_confidence(confidence) as confidence
    from cars
    group by market_code, category, year, parameter, source_id, as_of
),
long as (
    select *, 'new_ev_sales' as metric, ev_value as value from sums where parameter = 'EV sales' and parts = 2
    union all
    select *, 'bev_sales', bev_value from sums where parameter = 'EV sales' and bev_value is not null
    union all
    select *, 'ev_share_pct', share_value from sums where parameter = 'EV sales share' and share_value is not null
    union all
    select *, 'ev_stock', ev_value from sums where parameter = 'EV stock' and parts = 2
    union all
    select *, 'ev_stock_share_pct', share_value from sums where parameter = 'EV stock share' and share_value is not null
)
select
    market_code,
    year,
    case when category = 'Historical' then null else replace(category, 'Projection-', '') end as scenario,
    case when category = 'Historical' then 'full_year' else 'projection' end as period_scope,
    'IEA Global EV Data Explorer ' || year(as_of)::varchar || ', electric cars'
        || case when metric in ('new_ev_sales', 'ev_stock') then ' (BEV + PHEV)' else '' end
        || case when category = 'Historical' then '' else ', ' || category end as scope_note,
    source_id,
    as_of,
    confidence::confidence_t as confidence,
    metric,
    value::double as value
from long;

-- The picking rule between IEA editions, written once: per market × scenario × year × metric the value of the
-- latest PUBLICATION (as_of, then source_id), not of the latest load, so an older edition loaded late never
-- replaces a newer one. `revised_from_value` / `revised_from_as_of`: the previous edition's value when it
-- differs (the Netherlands' 2023 BEV sales: 130,000 in the 2024 edition, 110,000 in the 2026 one).
-- Invariant: one row per market × scenario × year × metric.
create view v_iea_car_metrics as
select
    * exclude (vintage_rank, previous_value, previous_as_of),
    case when previous_value <> value then previous_value end as revised_from_value,
    case when previous_value <> value then previous_as_of end as revised_from_as_of
from (
    select
        *,
        row_number() over w as vintage_rank,
        lead(value) over w as previous_value,
        lead(as_of) over w as previous_as_of
    from v_iea_car_metric_vintages
    window w as (partition by market_code, scenario, year, metric order by as_of desc, source_id desc)
)
where vintage_rank = 1;

-- Every candidate figure of a market × year × metric: market_stats and the IEA's historical figures (its
-- projections are v_market_projections, never an actual), with its source family ('iea' or 'national':
-- national/industry bodies, usually through the media) and `pick_order`, the picking rule written once:
-- full_year beats partial_year beats projection, then confidence, reliability (the IEA is primary; national
-- figures reached through the media are secondary), later as_of, source_id.
create view v_market_metric_candidates as
with long as (
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'new_ev_sales' as metric, new_ev_sales::double as value
    from market_stats where new_ev_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'bev_sales' as metric, bev_sales::double as value
    from market_stats where bev_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'total_new_car_sales' as metric, total_new_car_sales::double as value
    from market_stats where total_new_car_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'ev_share_pct' as metric, ev_share_pct::double as value
    from market_stats where ev_share_pct is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'bev_share_pct' as metric, bev_share_pct::double as value
    from market_stats where bev_share_pct is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'suv_share_pct' as metric, suv_share_pct::double as value
    from market_stats where suv_share_pct is not null
    union all by name  -- market_stats has no editions: its revised_from_* columns are null
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, metric, value,
        revised_from_value, revised_from_as_of
    from v_iea_car_metrics where scenario is null
)
select
    l.*,
    s.url as source_url,
    s.publisher,
    s.reliability,
    case when l.source_id in (select distinct source_id from iea_ev_data) then 'iea' else 'national' end as family,
    struct_pack(
        scope := case l.period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end,
        conf := confidence_rank(l.confidence),
        rel := reliability_rank(s.reliability),
        age := date_diff('day', l.as_of, date '2100-01-01'),
        id := l.source_id
    ) as pick_order
from long as l
join sources as s using (source_id);

-- Market statistics are picked per metric, not per row: sources carry different subsets of columns,
-- and a row with fewer columns must not hide another source's figures. One row per market × year ×
-- metric, the first candidate by pick_order; `alternatives` counts the others.
create view v_market_metrics as
select * exclude (pick_rank, pick_order, family)
from (
    select
        *,
        row_number() over (partition by market_code, year, metric order by pick_order) as pick_rank,
        count(*) over (partition by market_code, year, metric) - 1 as alternatives
    from v_market_metric_candidates
)
where pick_rank = 1;

-- The same pick within each source family (one row per market × year × metric × family): what the growth
-- rule compares, so that a year-on-year change never sets the IEA's figure against a national one.
create view v_market_family_metrics as
select * exclude (pick_rank, pick_order)
from (
    select
        *,
        row_number() over (partition by market_code, year, metric, family order by pick_order) as pick_rank
    from v_market_metric_candidates
)
where pick_rank = 1;

-- The IEA's scenario projections (STEPS, APS, CPS) for the years after its last historical year: one row per
-- market × scenario × year × metric, all from the latest edition that projects the market (a scenario an
-- earlier edition had and the newer one dropped is not kept beside it). Always estimates; pages draw them as
-- projections, never as actuals.
create view v_market_projections as
with latest as (
    select market_code, metric, max(as_of) as as_of
    from v_iea_car_metric_vintages
    where scenario is not null
    group by market_code, metric
),
last_actual as (
    select source_id, as_of, max(year) as last_year
    from iea_ev_data
    where category = 'Historical'
    group by source_id, as_of
)
select p.*, s.url as source_url, s.publisher
from v_iea_car_metric_vintages as p
join latest as l using (market_code, metric, as_of)
join last_actual as h using (source_id, as_of)
join sources as s using (source_id)
where p.scenario is not null
    and p.year > h.last_year;
