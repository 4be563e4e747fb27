-- grain: one row per market × year × metric whose figure a later publisher edition revised (the IEA's
-- 2026 edition against its 2024 one): the value shown now, the earlier edition's value and both as-of
-- dates; the latest years first, within a year the largest relative change first
-- params: none
-- The revision itself is decided once, in v_iea_car_metrics (latest publication wins; the previous
-- edition's value kept when it differs); this only lists it with names and sources.
select
    coalesce(m.name, v.market_code) as market_name,
    v.market_code,
    v.year,
    v.metric,
    v.value,
    v.revised_from_value,
    round(100.0 * (v.value - v.revised_from_value) / nullif(abs(v.revised_from_value), 0), 1) as change_pct,
    v.as_of,
    v.revised_from_as_of,
    v.confidence::varchar as confidence,
    s.publisher,
    s.url as source_url
from v_iea_car_metrics as v
left join markets as m using (market_code)
left join sources as s using (source_id)
where v.scenario is null and v.revised_from_value is not null
order by v.year desc, abs(v.value - v.revised_from_value) / nullif(abs(v.revised_from_value), 0) desc nulls last,
    market_name, v.metric
