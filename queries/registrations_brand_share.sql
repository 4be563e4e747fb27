-- grain: one row per brand registered in the market over [month_from, month_to], largest first (reads agg_registrations_brand)
-- params: market (varchar), month_from (date), month_to (date)
with by_brand as (
    select brand_id, sum(units)::bigint as units
    from agg_registrations_brand
    where market_code = $market and month between $month_from and $month_to
    group by brand_id
)
select
    b.brand_id,
    br.name as brand_name,
    b.units,
    100.0 * b.units / nullif(sum(b.units) over (), 0) as share_pct,
    row_number() over (order by b.units desc, b.brand_id) as rank
from by_brand as b
join brands as br using (brand_id)
order by rank
