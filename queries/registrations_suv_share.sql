-- grain: one row per market with registrations over [month_from, month_to]: SUV and BEV share, largest market first (reads agg_registrations_mix)
-- params: month_from (date), month_to (date)
select
    a.market_code,
    m.name as market_name,
    sum(a.units)::bigint as units,
    100.0 * sum(a.units) filter (where a.body_type = 'suv') / nullif(sum(a.units), 0) as suv_share_pct,
    100.0 * sum(a.units) filter (where a.powertrain = 'BEV') / nullif(sum(a.units), 0) as bev_share_pct
from agg_registrations_mix as a
join markets as m using (market_code)
where a.month between $month_from and $month_to
group by all
order by units desc, a.market_code
