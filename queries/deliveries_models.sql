-- grain: one row per model of the brand, in launch order (not yet launched last)
-- params: brand (varchar)
select model_id, name, launch_date
from models
where brand_id = $brand
order by launch_date nulls last, name
