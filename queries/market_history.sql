-- grain: one row per market × year × kind (actual, or projection per IEA scenario) for one metric: the picked actual figure from the measures mart, and the IEA's STEPS / APS projections
-- params: markets (varchar[]), metric (varchar), year_from (integer)
-- metric must be one of new_ev_sales, bev_sales, ev_share_pct, bev_share_pct, ev_stock (others give no rows).
select
    m.market_code,
    m.year,
    'actual' as kind,
    null::varchar as scenario,
    m.value,
    m.period_scope,
    m.scope_note,
    m.confidence,
    m.as_of,
    m.source_url,
    m.publisher
from v_market_measures as m
where m.market_code in (select unnest($markets::varchar[]))
    and m.metric = $metric
    and m.metric in ('new_ev_sales', 'bev_sales', 'ev_share_pct', 'bev_share_pct', 'ev_stock')
    and m.year >= $year_from
union all
select
    p.market_code,
    p.year,
    'projection' as kind,
    p.scenario,
    p.value,
    p.period_scope,
    p.scope_note,
    p.confidence::varchar,
    p.as_of,
    p.source_url,
    p.publisher
from v_market_projections as p
where p.market_code in (select unnest($markets::varchar[]))
    and p.metric = $metric
order by market_code, kind, scenario, year
