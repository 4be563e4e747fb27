-- grain: one row per brand (all brands in the data), ordered by name
-- params: none
select
    b.brand_id,
    b.name,
    b.home_market,
    (select count(*) from models as m where m.brand_id = b.brand_id) as models,
    exists (select 1 from deliveries_monthly as d where d.brand_id = b.brand_id) as has_monthly,
    exists (select 1 from targets as t where t.brand_id = b.brand_id and t.issuer = 'company') as has_targets
from brands as b
order by b.name
