-- grain: one row per ISO country (every row of country_regions): one market metric for one year, as picked by v_market_measures (null = no data)
-- params: metric (varchar), year (integer)
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    m.value,
    null::varchar as category,
    m.period_scope as period,
    m.scope_note as detail,
    m.confidence::varchar as confidence,
    m.as_of,
    m.source_url,
    m.publisher,
    m.alternatives
from country_regions as r
join countries as c using (iso3)
left join v_market_measures as m on m.market_code = r.iso3 and m.metric = $metric and m.year = $year
order by r.iso3
