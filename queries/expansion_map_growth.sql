-- grain: one row per ISO country (every row of country_regions): year-on-year growth of EV sales into `year`, in percent (null = no data)
-- params: year (integer)
-- Basis: new EV sales (BEV + PHEV) where both years have a full-year figure, else BEV sales; a partial
-- year or a projection is never compared with a full year. Confidence is the weaker of the two figures.
with full_years as (
    select * from v_market_metrics
    where metric in ('new_ev_sales', 'bev_sales') and period_scope = 'full_year' and year in ($year, $year - 1)
),
pairs as (
    select
        cur.market_code,
        cur.metric,
        cur.value as units,
        prev.value as prev_units,
        case greatest(confidence_rank(cur.confidence), confidence_rank(prev.confidence))
            when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end as confidence,
        greatest(cur.as_of, prev.as_of) as as_of,
        cur.source_url || ' ; ' || prev.source_url as source_url,
        row_number() over (
            partition by cur.market_code order by case cur.metric when 'new_ev_sales' then 1 else 2 end
        ) as basis_rank
    from full_years as cur
    join full_years as prev
        on prev.market_code = cur.market_code and prev.metric = cur.metric and prev.year = cur.year - 1
    where cur.year = $year and prev.value > 0
)
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    round(100 * (p.units / p.prev_units - 1), 1) as value,
    null::varchar as category,
    ($year - 1)::varchar || '→' || $year::varchar as period,
    case p.metric when 'new_ev_sales' then 'EV (BEV+PHEV) sales' else 'BEV sales' end
        || ': ' || p.prev_units::bigint::varchar || ' → ' || p.units::bigint::varchar as detail,
    p.confidence,
    p.as_of,
    p.source_url
from country_regions as r
join countries as c using (iso3)
left join pairs as p on p.market_code = r.iso3 and p.basis_rank = 1
order by r.iso3
