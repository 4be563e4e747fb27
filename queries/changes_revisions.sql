-- grain: one row per figure whose value a later edition of the same source revised, the revising edition published after $since and on or before $today (counted by PUBLICATION: the new edition's as_of): the value shown now, the earlier edition's value and both as-of dates; newest first
-- params: brand (varchar), since (date), today (date)
-- The revision is the staging views' own (the picked figure and the same source's previous edition of the
-- same key): monthly deliveries of $brand (v_deliveries_monthly) and the IEA's market figures
-- (v_iea_car_metrics' revised_from_value, the rule sources_revisions.sql lists).
with deliveries as (
    select
        'monthly_deliveries' as kind,
        d.brand_id,
        d.market_code,
        d.month as period_start,
        'deliveries' as metric,
        d.units::double as value,
        (
            select p.units from deliveries_monthly as p
            where p.brand_id = d.brand_id and coalesce(p.model_id, '') = coalesce(d.model_id, '')
                and p.market_code = d.market_code and p.month = d.month and p.source_id = d.source_id
                and p.as_of < d.as_of and not coalesce(p.withdrawn, false)
            order by p.as_of desc limit 1
        )::double as revised_from_value,
        (
            select max(p.as_of) from deliveries_monthly as p
            where p.brand_id = d.brand_id and coalesce(p.model_id, '') = coalesce(d.model_id, '')
                and p.market_code = d.market_code and p.month = d.month and p.source_id = d.source_id
                and p.as_of < d.as_of and not coalesce(p.withdrawn, false)
        ) as revised_from_as_of,
        d.as_of,
        d.confidence::varchar as confidence,
        d.source_id
    from v_deliveries_monthly as d
    where d.brand_id = $brand and d.model_id is null and d.as_of > $since and d.as_of <= $today
),
market_revisions as (
    select
        'market_figures' as kind,
        null::varchar as brand_id,
        market_code,
        make_date(year, 1, 1) as period_start,
        metric,
        value,
        revised_from_value,
        revised_from_as_of,
        as_of,
        confidence::varchar as confidence,
        source_id
    from v_iea_car_metrics
    where scenario is null and revised_from_value is not null and as_of > $since and as_of <= $today
)
select
    r.kind,
    r.brand_id,
    r.market_code,
    coalesce(m.name, r.market_code) as market_name,
    r.period_start,
    r.metric,
    r.value,
    r.revised_from_value,
    round(100.0 * (r.value - r.revised_from_value) / nullif(abs(r.revised_from_value), 0), 1) as change_pct,
    r.as_of,
    r.revised_from_as_of,
    r.confidence,
    s.publisher,
    s.url as source_url
from (select * from deliveries where revised_from_value is not null and revised_from_value <> value
      union all select * from market_revisions) as r
left join markets as m using (market_code)
join sources as s using (source_id)
order by r.as_of desc, abs(r.value - r.revised_from_value) / nullif(abs(r.revised_from_value), 0) desc nulls last,
    market_name, r.metric, r.period_start
