-- grain: one row per price observation (variant × market × effective date × price type × source) with effective_from on or before $on
-- params: on (date)
with brand_rows as (
    select brand_id, name as brand_name, tariff_company from brands
)
select
    p.variant_id,
    v.name as variant_name,
    m.model_id,
    m.name as model_name,
    b.brand_id,
    b.brand_name,
    b.tariff_company,
    m.body_type,
    m.segment,
    m.powertrain,
    m.production_country,
    p.market_code,
    c.name as market_name,
    p.currency,
    p.price::double as price,
    p.price_type,
    p.effective_from,
    p.includes_vat,
    p.confidence,
    p.as_of,
    p.source_id,
    s.url as source_url,
    s.reliability,
    p.note
from prices as p
join variants as v using (variant_id)
join models as m on m.model_id = v.model_id
join brand_rows as b on b.brand_id = m.brand_id
join countries as c on c.iso3 = p.market_code
join sources as s on s.source_id = p.source_id
where p.effective_from <= $on
order by b.brand_name, m.name, v.name, p.market_code, p.effective_from, p.source_id
