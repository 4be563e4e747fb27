-- grain: one row per market that has registrations, largest first (reads agg_registrations_source, the smallest pre-aggregate: market × month × source × confidence)
-- params: none
select
    a.market_code,
    m.name as market_name,
    min(a.month) as first_month,
    max(a.month) as last_month,
    sum(a.units)::bigint as units
from agg_registrations_source as a
join markets as m using (market_code)
group by all
order by units desc, a.market_code
