-- grain: one row per country market × measure (ev_sales, bev_sales, ev_share_pct, bev_share_pct, suv_share_pct, ev_growth_pct): the latest year with a value, picked per metric
-- params: none
-- Per-metric pick (data/README recommendation): a row that carries only one column cannot hide
-- another source's other columns. Units (ev_sales, bev_sales, growth) use full-year rows only;
-- shares may come from a partial year. Within a year: full_year > partial_year > projection, then
-- the house rule (reported > lower_bound > estimate, primary > secondary > low, later as_of, source_id).
with stats as (
    select m.*, s.url as source_url, s.reliability
    from market_stats as m
    join sources as s using (source_id)
    join markets as k using (market_code)
    where k.kind = 'country'
),
long as (
    select market_code, year, period_scope, 'ev_sales' as measure, new_ev_sales::double as value,
        confidence, reliability, as_of, source_id, source_url, scope_note
    from stats where new_ev_sales is not null and period_scope = 'full_year'
    union all
    select market_code, year, period_scope, 'bev_sales', bev_sales::double,
        confidence, reliability, as_of, source_id, source_url, scope_note
    from stats where bev_sales is not null and period_scope = 'full_year'
    union all
    select market_code, year, period_scope, 'ev_share_pct', ev_share_pct,
        confidence, reliability, as_of, source_id, source_url, scope_note
    from stats where ev_share_pct is not null and period_scope <> 'projection'
    union all
    select market_code, year, period_scope, 'bev_share_pct', bev_share_pct,
        confidence, reliability, as_of, source_id, source_url, scope_note
    from stats where bev_share_pct is not null and period_scope <> 'projection'
    union all
    select market_code, year, period_scope, 'suv_share_pct', suv_share_pct,
        confidence, reliability, as_of, source_id, source_url, scope_note
    from stats where suv_share_pct is not null and period_scope <> 'projection'
),
per_year as (
    select
        *,
        row_number() over (
            partition by market_code, measure, year
            order by case period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end,
                confidence_rank(confidence), reliability_rank(reliability), as_of desc, source_id
        ) as pick
    from long
),
picked as (
    select * exclude (pick) from per_year where pick = 1
),
latest as (
    select
        *,
        row_number() over (partition by market_code, measure order by year desc) as recency
    from picked
),
growth as (
    select
        cur.market_code,
        cur.year,
        cur.period_scope,
        case cur.measure when 'ev_sales' then 'ev_growth_pct' else 'bev_growth_pct' end as measure,
        100 * (cur.value / prev.value - 1) as value,
        case when cur.confidence = 'reported' and prev.confidence = 'reported' then 'reported'
            else 'estimate' end as confidence,
        cur.reliability,
        cur.as_of,
        cur.source_id || ';' || prev.source_id as source_id,
        cur.source_url,
        cur.year::varchar || ' vs ' || prev.year::varchar || ': ' || prev.value::bigint::varchar
            || ' → ' || cur.value::bigint::varchar as scope_note
    from latest as cur
    join picked as prev
        on prev.market_code = cur.market_code and prev.measure = cur.measure and prev.year = cur.year - 1
    where cur.recency = 1 and cur.measure in ('ev_sales', 'bev_sales') and prev.value > 0
),
combined as (
    select market_code, year, period_scope, measure, value, confidence, as_of, source_id, source_url, scope_note
    from latest where recency = 1
    union all
    select market_code, year, period_scope, measure, value, confidence, as_of, source_id, source_url, scope_note
    from growth
)
select
    c.market_code,
    k.name as market_name,
    c.measure,
    c.value,
    c.year,
    c.period_scope,
    c.confidence,
    c.as_of,
    c.source_id,
    c.source_url,
    c.scope_note
from combined as c
join countries as k on k.iso3 = c.market_code
order by c.market_code, c.measure
