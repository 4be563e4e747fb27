-- grain: one row per model of the brand, in the order it went on sale (not known to be on sale last)
-- params: brand (varchar)
-- on_sale_from: the launch date, else the first delivery figure or launch/list price (v_models_on_sale).
select model_id, name, launch_date, on_sale_from, on_sale_basis
from v_models_on_sale
where brand_id = $brand
order by on_sale_from nulls last, name
