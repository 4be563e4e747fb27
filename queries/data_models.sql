-- grain: one row per model_id (models in the `evdash import models` format; exporting and importing it back changes nothing)
-- params: brand (varchar)
-- '' for brand/market = all.
select
    t.model_id,
    t.brand_id as brand,
    t.name,
    t.body_type,
    t.segment,
    t.powertrain,
    t.launch_date,
    t.production_country,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note
from models as t
join sources as s using (source_id)
where ($brand = '' or t.brand_id = $brand)
order by t.model_id
