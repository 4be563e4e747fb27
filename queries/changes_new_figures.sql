-- grain: one row per kind of figure × brand (or market) × source edition published after $since and on or before $today (counted by PUBLICATION: the figure's as_of, the day its source published it): how many picked figures it holds and the periods they cover; newest edition first
-- params: brand (varchar), since (date), today (date)
-- Only figures the picking rule shows (the staging views), so a vintage that lost to another source is not "new".
with fresh as (
    select 'monthly_deliveries' as kind, brand_id, null::varchar as market_code, month as period_start,
        month as period_end, source_id, as_of, confidence::varchar as confidence
    from v_deliveries_monthly
    where brand_id = $brand and model_id is null
    union all
    select 'delivery_totals', brand_id, null, period_start, period_end, source_id, as_of, confidence::varchar
    from v_delivery_totals
    where brand_id = $brand and model_id is null
    union all
    select 'targets', brand_id, null, make_date(year, 1, 1), make_date(year, 12, 31), source_id, as_of,
        confidence::varchar
    from v_targets
    where brand_id = $brand and issuer = 'company'
    union all
    select 'market_figures', null, market_code, make_date(year, 1, 1), make_date(year, 12, 31), source_id, as_of,
        confidence::varchar
    from v_iea_car_metrics
    where scenario is null
)
select
    f.kind,
    f.brand_id,
    case when count(distinct f.market_code) = 1 then min(f.market_code) end as market_code,
    count(*) as figures,
    count(distinct f.market_code) as markets,
    min(f.period_start) as first_period,
    max(f.period_end) as last_period,
    f.as_of,
    worst_confidence(f.confidence) as confidence,
    s.publisher,
    s.url as source_url
from fresh as f
join sources as s using (source_id)
where f.as_of > $since and f.as_of <= $today
group by f.kind, f.brand_id, f.as_of, s.publisher, s.url
order by f.as_of desc, f.kind, s.publisher
