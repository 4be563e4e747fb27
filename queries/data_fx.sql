-- grain: one row per rate_date × base × quote × source_url (fx_rates in the `evdash import fx` format; exporting and importing it back changes nothing)
-- params: none
select
    t.rate_date,
    t.base,
    t.quote,
    t.rate,
    t.rate_kind,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note
from fx_rates as t
join sources as s using (source_id)
order by t.rate_date, t.base, t.quote, t.source_id
