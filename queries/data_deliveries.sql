-- grain: one row per brand × model × market × month × source_url × as_of (deliveries_monthly in the `evdash import deliveries` format; exporting and importing it back changes nothing)
-- params: brand (varchar), market (varchar)
-- '' for brand/market = all.
select
    t.brand_id as brand,
    t.model_id as model,
    t.market_code as market,
    strftime(t.month, '%Y-%m') as month,
    t.units,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note,
    t.qualifier,
    t.withdrawn
from deliveries_monthly as t
join sources as s using (source_id)
where ($brand = '' or t.brand_id = $brand)
    and ($market = '' or t.market_code = $market)
order by t.brand_id, t.model_id, t.market_code, t.month, t.source_id, t.as_of, t.row_id
