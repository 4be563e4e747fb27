-- grain: one row per brand_id (brands in the `evdash import brands` format; exporting and importing it back changes nothing)
-- params: brand (varchar)
-- '' for brand/market = all.
select
    t.brand_id,
    t.name,
    t.parent_group,
    t.home_market,
    t.tariff_company,
    t.note,
    t.counted_in
from brands as t
where ($brand = '' or t.brand_id = $brand)
order by t.brand_id
