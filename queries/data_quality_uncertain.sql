-- grain: one row per stored figure that is a lower bound ("over N") or an estimate, in deliveries, delivery totals, targets and market statistics
-- params: none
with figures as (
    select
        'deliveries' as table_name,
        brand_id,
        coalesce(model_id, 'all models') || ' · ' || market_code || ' · ' || strftime(month, '%Y-%m') as figure,
        units::bigint as value,
        confidence::varchar as confidence,
        as_of,
        source_id
    from deliveries_monthly
    union all
    select
        'delivery totals', brand_id,
        coalesce(model_id, 'all models') || ' · ' || scope || ' · ' || period_kind || ' ' || period_start || '..' || period_end,
        units, confidence::varchar, as_of, source_id
    from delivery_totals
    union all
    select 'targets', brand_id, 'target ' || year || ' announced ' || announced_on, target_units, confidence::varchar, as_of, source_id
    from targets
    union all
    select 'market stats', null, market_code || ' · ' || year || ' · ' || period_scope || ' (EV sales)', new_ev_sales, confidence::varchar, as_of, source_id
    from market_stats
)
select
    f.table_name,
    b.name as brand,
    f.figure,
    f.value,
    f.confidence,
    f.as_of,
    s.publisher,
    s.url as source_url
from figures as f
left join brands as b using (brand_id)
join sources as s using (source_id)
where f.confidence in ('lower_bound', 'estimate')
order by f.table_name, b.name nulls last, f.figure
