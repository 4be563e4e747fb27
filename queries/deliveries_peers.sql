-- grain: one row per brand × year where the brand has a company target or a reported annual delivery total
-- params: none
-- Same rule as overview_years.sql, across brands: delivered = the reported annual total (scope 'all';
-- for brands that publish no 'all' figure, BEV, then NEV — delivered_scope says which), else the sum of
-- the months; final target = the last company revision; attainment = delivered ÷ target.
with annual as (
    select
        brand_id,
        year(period_start) as year,
        units,
        scope,
        confidence,
        source_url,
        as_of,
        row_number() over (
            partition by brand_id, year(period_start)
            order by case scope when 'all' then 1 when 'BEV' then 2 when 'NEV' then 3 else 9 end
        ) as scope_rank
    from v_delivery_totals
    where model_id is null and period_kind = 'year' and scope in ('all', 'BEV', 'NEV')
),
months as (
    select
        brand_id,
        year(month) as year,
        sum(units)::bigint as months_units,
        count(*) as months_with_data,
        bool_or(has_lower_bound) as months_lower_bound,
        bool_or(has_estimate) as months_estimate,
        max(as_of) as as_of
    from v_brand_month
    group by all
),
target_final as (
    select brand_id, year, target_units, confidence, announced_on, source_url, revisions
    from v_target_path
    where superseded_on is null
),
target_first as (
    select brand_id, year, target_units as original_target_units
    from v_target_path
    where revision_no = 1
),
keys as (
    select brand_id, year from annual where scope_rank = 1
    union
    select brand_id, year from target_final
)
select
    k.brand_id,
    b.name as brand_name,
    k.year,
    coalesce(a.units, m.months_units) as delivered_units,
    case when a.units is not null then 'reported_total' when m.months_units is not null then 'sum_of_months' end
        as delivered_basis,
    coalesce(a.scope, case when m.months_units is not null then 'all' end) as delivered_scope,
    coalesce(a.confidence::varchar, case
        when m.months_units is null then null
        when m.months_lower_bound then 'lower_bound'
        when m.months_estimate then 'estimate'
        else 'reported' end) as delivered_confidence,
    coalesce(a.confidence = 'lower_bound', a.units is null and m.months_lower_bound, false) as delivered_is_at_least,
    coalesce(m.months_with_data, 0) as months_with_data,
    coalesce(a.source_url, case when m.months_units is not null then 'sum of monthly figures' end) as delivered_source,
    coalesce(a.as_of, m.as_of) as delivered_as_of,
    t.target_units as final_target_units,
    t.confidence::varchar as target_confidence,
    coalesce(t.confidence = 'lower_bound', false) as target_is_at_least,
    f.original_target_units,
    coalesce(t.revisions, 0) as target_revisions,
    t.announced_on as target_announced_on,
    t.source_url as target_source,
    round(100.0 * coalesce(a.units, m.months_units) / t.target_units, 1) as attainment_pct,
    round(100.0 * coalesce(a.units, m.months_units) / f.original_target_units, 1) as attainment_original_pct
from keys as k
join brands as b using (brand_id)
left join annual as a on a.brand_id = k.brand_id and a.year = k.year and a.scope_rank = 1
left join months as m on m.brand_id = k.brand_id and m.year = k.year
left join target_final as t on t.brand_id = k.brand_id and t.year = k.year
left join target_first as f on f.brand_id = k.brand_id and f.year = k.year
order by k.year, b.name
