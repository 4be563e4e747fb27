-- grain: one row per price record in one country (every brand's variants, the selected brand first): variant × price type × effective date × source
-- params: brand (varchar), country (varchar)
select
    b.brand_id = $brand as is_selected_brand,
    b.name as brand,
    m.name as model,
    v.name as variant,
    m.powertrain,
    p.price,
    p.currency,
    p.price_type,
    p.includes_vat,
    p.effective_from,
    p.confidence::varchar as confidence,
    p.as_of,
    s.url as source_url,
    p.note
from prices as p
join variants as v using (variant_id)
join models as m using (model_id)
join brands as b on b.brand_id = m.brand_id
join sources as s on s.source_id = p.source_id
where p.market_code = $country
order by is_selected_brand desc, b.name, m.name, v.name, p.effective_from desc
