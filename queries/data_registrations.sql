-- grain: one row per month × market × brand × model_name × powertrain × body_type × source_url (registrations in the `evdash import registrations` format; exporting and importing it back changes nothing)
-- params: brand (varchar), market (varchar)
-- '' for brand/market = all.
select
    strftime(t.month, '%Y-%m') as month,
    t.market_code as market,
    t.brand_id as brand,
    t.model_name,
    t.model_id as model,
    t.powertrain,
    t.body_type,
    t.units,
    s.url as source_url,
    t.as_of,
    t.confidence
from registrations as t
join sources as s using (source_id)
where ($brand = '' or t.brand_id = $brand)
    and ($market = '' or t.market_code = $market)
order by t.month, t.market_code, t.brand_id, t.model_name, t.powertrain, t.body_type, t.source_id
