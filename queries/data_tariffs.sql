-- grain: one row per tariff_id (tariffs in the `evdash import tariffs` format; exporting and importing it back changes nothing)
-- params: market (varchar)
-- '' for brand/market = all.
select
    t.tariff_id,
    t.market_code as market,
    t.measure,
    t.origin_iso3,
    t.applies_to,
    t.powertrain,
    t.duty_kind,
    t.rate_pct,
    t.min_amount,
    t.min_currency,
    t.effective_from,
    t.effective_to,
    t.status,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note,
    t.duty_case
from tariffs as t
join sources as s using (source_id)
where ($market = '' or t.market_code = $market)
order by t.tariff_id
