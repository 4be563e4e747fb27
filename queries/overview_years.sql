-- grain: one row per year in which the brand has monthly deliveries, a reported annual total or a company target
-- params: brand (varchar)
-- delivered_units: the reported annual total when one exists, else the sum of the months
-- (delivered_basis says which); delivered_is_at_least: the number is a lower bound.
with months as (
    select
        year(month) as year,
        sum(units)::bigint as months_units,
        count(*) as months_with_data,
        max(month) as last_month,
        bool_or(has_lower_bound) as months_lower_bound,
        bool_or(has_estimate) as months_estimate
    from v_brand_month
    where brand_id = $brand
    group by all
),
annual as (
    select
        year(period_start) as year, units, confidence, source_url, publisher, as_of
    from v_delivery_totals
    where brand_id = $brand and model_id is null and scope = 'all' and period_kind = 'year'
),
target_final as (
    select
        year, target_units, confidence, announced_on, source_url, publisher, as_of, revisions
    from v_target_path
    where brand_id = $brand and superseded_on is null
),
target_first as (
    select year, target_units as original_target_units
    from v_target_path
    where brand_id = $brand and revision_no = 1
),
years as (
    select year from months union select year from annual union select year from target_final
)
select
    y.year,
    coalesce(a.units, m.months_units) as delivered_units,
    case when a.units is not null then 'reported_total' else 'sum_of_months' end as delivered_basis,
    coalesce(a.confidence::varchar, case
        when m.months_units is null then null
        when m.months_estimate then 'estimate'
        when m.months_lower_bound then 'lower_bound'
        else 'reported' end) as delivered_confidence,
    coalesce(a.confidence = 'lower_bound', a.units is null and m.months_lower_bound, false) as delivered_is_at_least,
    coalesce(a.source_url, case when m.months_units is not null then 'sum of monthly figures' end) as delivered_source,
    coalesce(a.as_of, m.last_month) as delivered_as_of,
    m.months_units,
    coalesce(m.months_with_data, 0) as months_with_data,
    m.last_month,
    coalesce(m.months_lower_bound, false) as months_lower_bound,
    coalesce(m.months_estimate, false) as months_estimate,
    a.units as reported_total_units,
    t.target_units as final_target_units,
    f.original_target_units,
    t.confidence::varchar as target_confidence,
    t.announced_on as target_announced_on,
    t.source_url as target_source,
    coalesce(t.revisions, 0) as target_revisions,
    round(100.0 * coalesce(a.units, m.months_units) / t.target_units, 1) as attainment_pct
from years as y
left join months as m using (year)
left join annual as a using (year)
left join target_final as t using (year)
left join target_first as f using (year)
order by y.year
