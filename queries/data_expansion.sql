-- grain: one row per brand × market × status_date (expansion_status in the `evdash import expansion` format; exporting and importing it back changes nothing)
-- params: brand (varchar), market (varchar)
-- '' for brand/market = all.
select
    t.brand_id as brand,
    t.market_code as market,
    t.status,
    t.status_date,
    t.planned_entry,
    t.statement,
    s.url as source_url,
    t.as_of,
    t.confidence
from expansion_status as t
join sources as s using (source_id)
where ($brand = '' or t.brand_id = $brand)
    and ($market = '' or t.market_code = $market)
order by t.brand_id, t.market_code, t.status_date
