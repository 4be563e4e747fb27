-- grain: one row per ISO country (every row of country_regions): the country's own latest SUV share of new cars on a broad definition, as v_market_body_fit picks it (null = no national figure)
-- params: none
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    b.value,
    null::varchar as category,
    b.period_label as period,
    b.definition_label || case b.qualifier when 'more_than' then ' (more than)' when 'about' then ' (about)'
        when 'derived' then ' (derived)' else '' end as detail,
    b.confidence,
    b.as_of,
    b.source_url
from country_regions as r
join countries as c using (iso3)
left join v_market_body_fit as b on b.market_code = r.iso3 and b.basis = 'national'
order by r.iso3
