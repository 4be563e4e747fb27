-- grain: one row per country market × purchase-incentive scheme in force on $on (a `no_scheme` row: the market has no purchase grant); ended schemes are left out
-- params: on (date)
select
    i.market_code,
    i.scheme_id,
    i.scheme,
    i.powertrain,
    i.amount::double as amount,
    i.amount_max::double as amount_max,
    i.currency,
    i.price_cap::double as price_cap,
    coalesce(i.excluded_origins, '') as excluded_origins,
    coalesce(i.origin_rule, '') as origin_rule,
    i.buyer,
    i.eligibility,
    i.effective_from,
    i.effective_to,
    i.status,
    i.confidence::varchar as confidence,
    i.as_of,
    s.url as source_url,
    i.note
from purchase_incentives as i
join sources as s using (source_id)
where i.effective_from <= $on and (i.effective_to is null or $on <= i.effective_to)
order by i.market_code, i.scheme_id
