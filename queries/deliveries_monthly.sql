-- grain: one row per month × bar segment (a selected model, 'other models', or the part of the brand total not split by model) for one brand, months month_from..month_to
-- params: brand (varchar), models (varchar[]), month_from (date), month_to (date)
-- Bars always sum to the brand's month figure in v_brand_month (the brand total when published, else
-- the sum of model splits), except when model splits exceed a brand total: the remainder is then 0 and
-- split_exceeds_total says so. Confidence per segment: lower_bound when any part is an "over N"
-- figure, else estimate when any part is an estimate, else reported.
with brand_month as (
    select *
    from v_brand_month
    where brand_id = $brand and month between $month_from and $month_to
),
picked as (
    select
        d.*,
        case when list_contains($models, d.model_id) then d.model_id else '_other' end as series_id,
        case when list_contains($models, d.model_id) then coalesce(m.name, d.model_id) else 'Other models' end
            as series_name
    from v_deliveries_monthly as d
    left join models as m using (model_id)
    where d.brand_id = $brand and d.month between $month_from and $month_to
),
total_rows as (
    select
        month,
        string_agg(distinct publisher, '; ' order by publisher) as publisher,
        string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
        sum(alternatives)::bigint as alternatives,
        string_agg(distinct note, ' | ' order by note) as note
    from picked
    where model_id is null
    group by month
),
split_rows as (
    select
        month,
        series_id,
        min(series_name) as series_name,
        sum(units)::bigint as units,
        bool_or(confidence = 'lower_bound') as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        string_agg(distinct publisher, '; ' order by publisher) as publisher,
        string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
        max(as_of) as as_of,
        sum(alternatives)::bigint as alternatives,
        string_agg(distinct note, ' | ' order by note) as note
    from picked
    where model_id is not null
    group by month, series_id
),
split_sum as (
    select month, sum(units)::bigint as split_units, bool_or(has_estimate) as split_estimate
    from split_rows
    group by month
),
remainder as (
    select
        b.month,
        '_unsplit' as series_id,
        'Not split by model' as series_name,
        greatest(b.units - coalesce(s.split_units, 0), 0)::bigint as units,
        b.has_lower_bound,
        b.has_estimate or coalesce(s.split_estimate, false) as has_estimate,
        t.publisher,
        t.source_url,
        b.as_of,
        t.alternatives,
        t.note
    from brand_month as b
    join total_rows as t using (month)
    left join split_sum as s using (month)
    where b.basis = 'brand_total' and (s.split_units is null or b.units > s.split_units)
),
segments as (
    select * from split_rows
    union all by name
    select * from remainder
)
select
    g.month,
    g.series_id,
    g.series_name,
    g.units,
    case
        when g.has_lower_bound then 'lower_bound'
        when g.has_estimate then 'estimate'
        else 'reported'
    end as confidence,
    g.series_id = '_unsplit' and coalesce(s.split_units, 0) > 0 as derived_from_total,
    b.units as brand_month_units,
    b.has_lower_bound as brand_month_is_at_least,
    b.has_estimate as brand_month_has_estimate,
    b.basis as brand_month_basis,
    coalesce(b.basis = 'brand_total' and s.split_units > b.units, false) as split_exceeds_total,
    g.publisher,
    g.source_url,
    g.as_of,
    g.alternatives,
    g.note
from segments as g
join brand_month as b using (month)
left join split_sum as s using (month)
order by g.month, case g.series_id when '_unsplit' then 2 when '_other' then 1 else 0 end, g.series_name
