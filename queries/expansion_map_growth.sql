-- grain: one row per ISO country (every row of country_regions): year-on-year growth of EV sales into `year`, in percent (null = no data)
-- params: year (integer)
-- The growth rule (basis, confidence = the weaker of the two years) lives in v_market_growth.
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    round(g.value, 1) as value,
    null::varchar as category,
    ($year - 1)::varchar || '→' || $year::varchar as period,
    g.scope_note as detail,
    g.confidence,
    g.as_of,
    g.source_url
from country_regions as r
join countries as c using (iso3)
left join v_market_growth as g on g.market_code = r.iso3 and g.year = $year
order by r.iso3
