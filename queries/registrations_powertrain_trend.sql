-- grain: one row per month × powertrain in the market over [month_from, month_to] (reads agg_registrations_mix)
-- params: market (varchar), month_from (date), month_to (date)
with cells as (
    select month, powertrain, sum(units)::bigint as units
    from agg_registrations_mix
    where market_code = $market and month between $month_from and $month_to
    group by month, powertrain
)
select
    month,
    powertrain,
    units,
    100.0 * units / nullif(sum(units) over (partition by month), 0) as share_pct
from cells
order by month, powertrain
