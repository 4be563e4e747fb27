-- grain: one row per powertrain the brand builds, most models first
-- params: brand (varchar)
select powertrain, count(*) as models, string_agg(distinct production_country, ', ') as production_countries
from models
where brand_id = $brand
group by powertrain
order by models desc, powertrain
