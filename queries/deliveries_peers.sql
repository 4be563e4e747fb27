-- grain: one row per brand × year with a delivery figure or a company target (the brand × year's headline scope)
-- params: none
-- Every column comes from the brand × year mart (v_brand_year): the same rows, columns and rule as
-- overview_years.sql, for every brand. delivered_scope: 'all', or 'NEV'/'BEV' for a brand that reports
-- only those totals.
select b.name as brand_name, y.*
from v_brand_year as y
join brands as b using (brand_id)
where y.is_headline
order by y.year, b.name
