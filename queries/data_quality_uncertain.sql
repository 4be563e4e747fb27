-- grain: one row per stored figure that is a lower bound ("over N") or an estimate, in deliveries, delivery totals, targets and market statistics
-- params: none
-- Codes (scope, period kind, confidence) stay codes here: the page shows their labels (evdash.labels).
with figures as (
    select
        'deliveries' as table_name,
        brand_id,
        model_id,
        market_code as market,
        'month' as period_kind,
        strftime(month, '%Y-%m') as period,
        null::varchar as scope,
        units::bigint as value,
        confidence::varchar as confidence,
        as_of,
        source_id
    from deliveries_monthly
    union all
    select
        'delivery totals', brand_id, model_id, null, period_kind,
        strftime(period_start, '%Y-%m-%d') || ' – ' || strftime(period_end, '%Y-%m-%d'), scope,
        units, confidence::varchar, as_of, source_id
    from delivery_totals
    union all
    select
        'targets', brand_id, null, null, 'year', year || ' (target announced ' || strftime(announced_on, '%Y-%m-%d') || ')',
        null, target_units, confidence::varchar, as_of, source_id
    from targets
    union all
    select
        'market stats (EV sales)', null, null, market_code, period_scope, year::varchar, null, new_ev_sales,
        confidence::varchar, as_of, source_id
    from market_stats
)
select
    f.table_name,
    b.name as brand,
    coalesce(m.name, case when f.brand_id is not null and f.table_name <> 'targets' then 'all models' end) as model,
    f.market,
    f.period_kind,
    f.period,
    f.scope,
    f.value,
    f.confidence,
    f.as_of,
    s.publisher,
    s.url as source_url
from figures as f
left join brands as b on b.brand_id = f.brand_id
left join models as m on m.model_id = f.model_id
join sources as s on s.source_id = f.source_id
where f.confidence in ('lower_bound', 'estimate')
order by f.table_name, b.name nulls last, model, f.market, f.period
