-- grain: one row per exchange-rate observation (rate date × base × quote × source); rate = units of quote per 1 base
-- params: none
select
    f.rate_date,
    f.base,
    f.quote,
    f.rate,
    f.rate_kind,
    f.confidence,
    f.source_id,
    s.url as source_url,
    s.reliability
from fx_rates as f
join sources as s using (source_id)
order by f.rate_date, f.base, f.quote, f.source_id
