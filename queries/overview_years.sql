-- grain: one row per year in which the brand has a delivery figure or a company target (its headline scope)
-- params: brand (varchar)
-- Every column comes from the brand × year mart (v_brand_year, evdash/models/25_marts_deliveries_years.sql):
-- the same rows, columns and rule as deliveries_peers.sql, for one brand.
select b.name as brand_name, y.*
from v_brand_year as y
join brands as b using (brand_id)
where y.brand_id = $brand and y.is_headline
order by y.year
