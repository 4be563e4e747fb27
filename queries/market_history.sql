-- grain: one row per market × year × kind (actual, or projection per IEA scenario) for one metric: the picked actual figure from the measures mart, and the IEA's STEPS / APS / CPS projections — the market's own, else for a European country the IEA's Europe, named in projection_of
-- params: markets (varchar[]), metric (varchar), year_from (integer)
-- metric must be one of new_ev_sales, bev_sales, ev_share_pct, bev_share_pct, ev_stock (others give no rows).
-- Regional fallback: a European country without its own projection gets the IEA's Europe. Any other country
-- without its own gets none (the figure says so): the IEA's "Rest of the world" is a different scope in every
-- edition, and a country's line must not continue into an aggregate's projection.
with wanted as (
    select unnest($markets::varchar[]) as market_code
),
own as (
    select distinct market_code from v_market_projections where metric = $metric
),
projection_source as (
    select
        w.market_code,
        case
            when w.market_code in (select market_code from own) then w.market_code
            when r.evdash_region = 'europe' then 'EUR_IEA'
        end as projection_of
    from wanted as w
    left join country_regions as r on r.iso3 = w.market_code
)
select
    m.market_code,
    m.year,
    'actual' as kind,
    null::varchar as scenario,
    null::varchar as projection_of,
    null::varchar as projection_of_name,
    m.value,
    m.period_scope,
    m.scope_note,
    m.confidence,
    m.as_of,
    m.source_url,
    m.publisher
from v_market_measures as m
where m.market_code in (select market_code from wanted)
    and m.metric = $metric
    and m.metric in ('new_ev_sales', 'bev_sales', 'ev_share_pct', 'bev_share_pct', 'ev_stock')
    and m.year >= $year_from
union all
select
    s.market_code,
    p.year,
    'projection' as kind,
    p.scenario,
    s.projection_of,
    k.name as projection_of_name,
    p.value,
    p.period_scope,
    p.scope_note,
    p.confidence::varchar,
    p.as_of,
    p.source_url,
    p.publisher
from projection_source as s
join v_market_projections as p on p.market_code = s.projection_of and p.metric = $metric
join markets as k on k.market_code = s.projection_of
order by market_code, kind, scenario, year
