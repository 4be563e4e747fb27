-- grain: one row per variant × market × effective_from × price_type × source_url (prices in the `evdash import prices` format; exporting and importing it back changes nothing)
-- params: market (varchar)
-- '' for brand/market = all.
select
    t.variant_id as variant,
    t.market_code as market,
    t.currency,
    t.price,
    t.price_type,
    t.effective_from,
    t.includes_vat,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note
from prices as t
join sources as s using (source_id)
where ($market = '' or t.market_code = $market)
order by t.variant_id, t.market_code, t.effective_from, t.price_type, t.source_id
