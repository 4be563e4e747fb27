-- Marts: deliveries by brand × month.

-- One row per brand × month (all markets): the brand total if published, else the sum of model splits.
-- has_lower_bound / has_estimate tell whether the number is "at least" or an estimate.
create view v_brand_month as
with picked as (
    select * from v_deliveries_monthly
),
brand_rows as (
    select
        brand_id, month,
        sum(units)::bigint as units,
        bool_or(confidence = 'lower_bound') as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        string_agg(distinct source_id, ';' order by source_id) as source_ids,
        max(as_of) as as_of
    from picked
    where model_id is null
    group by all
),
split_rows as (
    select
        brand_id, month,
        sum(units)::bigint as units,
        bool_or(confidence = 'lower_bound') as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        string_agg(distinct source_id, ';' order by source_id) as source_ids,
        max(as_of) as as_of
    from picked
    where model_id is not null
    group by all
)
select
    coalesce(b.brand_id, s.brand_id) as brand_id,
    coalesce(b.month, s.month) as month,
    coalesce(b.units, s.units) as units,
    coalesce(b.has_lower_bound, s.has_lower_bound) as has_lower_bound,
    coalesce(b.has_estimate, s.has_estimate) as has_estimate,
    case when b.units is not null then 'brand_total' else 'sum_of_models' end as basis,
    coalesce(b.source_ids, s.source_ids) as source_ids,
    coalesce(b.as_of, s.as_of) as as_of
from brand_rows as b
full outer join split_rows as s on b.brand_id = s.brand_id and b.month = s.month;
