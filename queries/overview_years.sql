-- grain: one row per year in which the brand has monthly deliveries, a reported total or a company target
-- params: brand (varchar)
-- delivered_units is the best-informed figure for the year: the reported annual total when one exists;
-- otherwise whichever of (sum of the months, sum of reported quarters, reported year-to-date) reaches
-- furthest into the year (delivered_through), the larger on a tie. delivered_basis says which;
-- delivered_is_at_least: the figure is a lower bound ("over N" somewhere in it).
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
totals as (
    select * from v_delivery_totals
    where brand_id = $brand and model_id is null and scope = 'all'
),
annual as (
    select year(period_start) as year, units, confidence::varchar as confidence, source_url, as_of
    from totals
    where period_kind = 'year'
),
quarters as (
    select
        year(period_start) as year,
        sum(units)::bigint as units,
        max(period_end) as through,
        case when bool_or(confidence = 'estimate') then 'estimate'
             when bool_or(confidence = 'lower_bound') then 'lower_bound' else 'reported' end as confidence,
        string_agg(source_url, ' ; ' order by period_start) as source_url,
        max(as_of) as as_of
    from totals
    where period_kind = 'quarter'
    group by all
    having count(*) = quarter(max(period_end)) - quarter(min(period_start)) + 1
),
ytd as (
    select year(period_start) as year, units, period_end as through, confidence::varchar as confidence, source_url, as_of
    from totals
    where period_kind = 'ytd' and month(period_start) = 1 and day(period_start) = 1
),
candidates as (
    select year, months_units as units, last_day(last_month) as through,
        case when months_estimate then 'estimate' when months_lower_bound then 'lower_bound' else 'reported' end
            as confidence,
        'sum of monthly figures' as source_url, last_month as as_of, 'sum of months' as basis
    from months
    union all
    select year, units, through, confidence, source_url, as_of, 'reported quarters' from quarters
    union all
    select year, units, through, confidence, source_url, as_of, 'reported year-to-date' from ytd
),
best_partial as (
    select * from candidates
    qualify row_number() over (partition by year order by through desc, units desc, basis) = 1
),
target_final as (
    select year, target_units, confidence, announced_on, source_url, revisions
    from v_target_path
    where brand_id = $brand and superseded_on is null
),
target_first as (
    select year, target_units as original_target_units
    from v_target_path
    where brand_id = $brand and revision_no = 1
),
years as (
    select year from months
    union select year from annual
    union select year from best_partial
    union select year from target_final
)
select
    y.year,
    coalesce(a.units, p.units) as delivered_units,
    case when a.units is not null then 'reported annual total' else p.basis end as delivered_basis,
    case when a.units is not null then make_date(y.year, 12, 31) else p.through end as delivered_through,
    coalesce(a.confidence, p.confidence) as delivered_confidence,
    coalesce(a.confidence, p.confidence) = 'lower_bound'
        or (a.units is null and p.basis = 'sum of months' and coalesce(m.months_lower_bound, false))
        as delivered_is_at_least,
    coalesce(a.source_url, p.source_url) as delivered_source,
    coalesce(a.as_of, p.as_of) as delivered_as_of,
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
    round(100.0 * coalesce(a.units, p.units) / t.target_units, 1) as attainment_pct
from years as y
left join months as m using (year)
left join annual as a using (year)
left join best_partial as p using (year)
left join target_final as t using (year)
left join target_first as f using (year)
order by y.year
