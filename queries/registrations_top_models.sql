-- grain: one row per vendor model label (with brand) in the market over [month_from, month_to], the top_n largest (reads the agg_registrations_model pre-aggregate)
-- params: market (varchar), month_from (date), month_to (date), top_n (integer)
with by_model as (
    select brand_id, model_name, any_value(body_type) as body_type, sum(units)::bigint as units
    from agg_registrations_model
    where market_code = $market and month between $month_from and $month_to
    group by brand_id, model_name
),
ranked as (
    select
        *,
        100.0 * units / nullif(sum(units) over (), 0) as share_pct,
        row_number() over (order by units desc, brand_id, model_name) as rank
    from by_model
)
select r.rank, r.brand_id, br.name as brand_name, r.model_name, r.body_type, r.units, r.share_pct
from ranked as r
join brands as br using (brand_id)
where r.rank <= $top_n
order by r.rank
