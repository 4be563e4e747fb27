-- grain: one row per month × bar segment (a selected model, 'other models', or the part of the brand total not split by model) for one brand, months month_from..month_to
-- params: brand (varchar), models (varchar[]), month_from (date), month_to (date)
-- Bars always sum to the brand's month figure in v_brand_month (the brand total when published, else the
-- sum of model splits; v_model_month holds the splits), except when model splits exceed a brand total: the
-- remainder is then 0 and split_exceeds_total says so. A segment's confidence is its least certain part
-- (the confidence order); the remainder is as certain as the total and the splits it is computed from.
with brand_month as (
    select *
    from v_brand_month
    where brand_id = $brand and month between $month_from and $month_to
),
splits as (
    select
        s.*,
        case when list_contains($models, s.model_id) then s.model_id else '_other' end as series_id,
        case when list_contains($models, s.model_id) then coalesce(m.name, s.model_id) else 'Other models' end
            as series_name
    from v_model_month as s
    left join v_models_on_sale as m using (brand_id, model_id)
    where s.brand_id = $brand and s.month between $month_from and $month_to
),
split_rows as (
    select
        month,
        series_id,
        min(series_name) as series_name,
        sum(units)::bigint as units,
        worst_confidence(confidence) as confidence,
        string_agg(distinct publisher, '; ' order by publisher) as publisher,
        string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
        max(as_of) as as_of,
        sum(alternatives)::bigint as alternatives,
        string_agg(distinct note, ' | ' order by note) as note
    from splits
    group by month, series_id
),
split_sum as (
    select month, sum(units)::bigint as split_units, worst_confidence(confidence) as split_confidence
    from splits
    group by month
),
remainder as (
    select
        b.month,
        '_unsplit' as series_id,
        'Not split by model' as series_name,
        greatest(b.units - coalesce(s.split_units, 0), 0)::bigint as units,
        confidence_of_rank(greatest(confidence_rank(b.confidence), confidence_rank(coalesce(s.split_confidence, 'reported'))))
            as confidence,
        b.publisher,
        b.source_url,
        b.as_of,
        b.alternatives,
        b.note
    from brand_month as b
    left join split_sum as s using (month)
    where b.basis <> 'sum_of_models' and (s.split_units is null or b.units > s.split_units)
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
    g.confidence,
    g.series_id = '_unsplit' and coalesce(s.split_units, 0) > 0 as derived_from_total,
    b.units as brand_month_units,
    b.is_at_least as brand_month_is_at_least,
    b.has_estimate as brand_month_has_estimate,
    b.confidence as brand_month_confidence,
    b.basis as brand_month_basis,
    b.coverage_note as brand_month_coverage_note,
    coalesce(b.basis <> 'sum_of_models' and s.split_units > b.units, false) as split_exceeds_total,
    g.publisher,
    g.source_url,
    g.as_of,
    g.alternatives,
    g.note
from segments as g
join brand_month as b using (month)
left join split_sum as s using (month)
order by g.month, case g.series_id when '_unsplit' then 2 when '_other' then 1 else 0 end, g.series_name
