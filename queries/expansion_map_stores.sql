-- grain: one row per ISO country (every row of country_regions): the brand's latest reported count of car stores there on on_date (null = no data)
-- params: brand (varchar), on_date (date)
-- Only events that count the brand's car stores ('car stores' / 'car sales stores'); plans and
-- all-product retail counts are not store presence.
with counts as (
    select
        e.*,
        s.url as source_url,
        s.publisher,
        row_number() over (partition by e.market_code order by e.event_date desc, e.row_id desc) as recency
    from events as e
    join sources as s using (source_id)
    where e.brand_id = $brand
        and e.event_type = 'stores'
        and e.event_date <= $on_date
        and regexp_matches(e.value_unit, '^car (sales )?stores$')
)
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    k.value_num as value,
    null::varchar as category,
    k.event_date::varchar as period,
    k.title as detail,
    k.confidence::varchar as confidence,
    k.as_of,
    k.source_url,
    k.publisher
from country_regions as r
join countries as c using (iso3)
left join counts as k on k.market_code = r.iso3 and k.recency = 1
order by r.iso3
