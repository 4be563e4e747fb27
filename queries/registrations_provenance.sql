-- grain: one row per source × confidence behind the market's registrations over [month_from, month_to] (reads agg_registrations_source)
-- params: market (varchar), month_from (date), month_to (date)
select
    a.source_id,
    s.url as source_url,
    s.publisher,
    a.confidence::varchar as confidence,
    max(a.as_of) as as_of,
    sum(a.units)::bigint as units
from agg_registrations_source as a
join sources as s using (source_id)
where a.market_code = $market and a.month between $month_from and $month_to
group by all
order by units desc, a.source_id
