-- grain: one row per country market × powertrain with a VAT relief in force on $on: VAT is charged only on the part of the price above exempt_up_to (Norway's BEV threshold)
-- params: on (date)
select
    r.market_code,
    r.powertrain,
    r.exempt_up_to::double as exempt_up_to,
    r.currency,
    r.effective_from,
    r.effective_to,
    r.status,
    r.confidence::varchar as confidence,
    r.as_of,
    s.url as source_url,
    r.note
from vat_reliefs as r
join sources as s using (source_id)
where r.effective_from <= $on and (r.effective_to is null or $on <= r.effective_to)
order by r.market_code, r.powertrain
