-- grain: one row per ISO country (every row of country_regions): the brand's latest reported count of car stores there on on_date (null = no data)
-- params: brand (varchar), on_date (date)
-- What counts as a car store is decided once, in v_car_store_counts (evdash/models/12_staging_stores.sql).
with counts as (
    select
        *,
        row_number() over (partition by market_code order by event_date desc, row_id desc) as recency
    from v_car_store_counts
    where brand_id = $brand and event_date <= $on_date
)
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    k.stores as value,
    null::varchar as category,
    k.event_date::varchar as period,
    k.title as detail,
    k.confidence,
    k.as_of,
    k.source_url,
    k.publisher
from country_regions as r
join countries as c using (iso3)
left join counts as k on k.market_code = r.iso3 and k.recency = 1
order by r.iso3
