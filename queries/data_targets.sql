-- grain: one row per brand × year × announced_on × source_url (targets in the `evdash import targets` format; exporting and importing it back changes nothing)
-- params: brand (varchar)
-- '' for brand/market = all.
select
    t.brand_id as brand,
    t.year,
    t.target_units,
    t.announced_on,
    t.issuer,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note
from targets as t
join sources as s using (source_id)
where ($brand = '' or t.brand_id = $brand)
order by t.brand_id, t.year, t.announced_on, t.source_id, t.row_id
