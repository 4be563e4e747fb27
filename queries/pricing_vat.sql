-- grain: one row per country market: the VAT/GST rate in force on $on (latest effective_from on or before it)
-- params: on (date)
with ranked as (
    select
        v.*,
        s.url as source_url,
        row_number() over (partition by v.market_code order by v.effective_from desc) as pick
    from vat_rates as v
    join sources as s using (source_id)
    where v.effective_from <= $on
)
select market_code, rate_pct, effective_from, source_id, source_url, confidence, note
from ranked
where pick = 1
order by market_code
