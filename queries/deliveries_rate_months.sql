-- grain: one row per month counted in the brand × year's figure for the months up to `through` (its headline scope)
-- params: brand (varchar), year (integer), through (integer)
-- The month's own figure, or its company total's average where a quarter or year-to-date total covers it
-- (is_average): what the projection's run rate averages (v_brand_ytd_months).
select m.*
from v_brand_ytd_months as m
join v_brand_ytd as y using (brand_id, scope, year, through_month)
where m.brand_id = $brand and m.year = $year and m.through_month = $through and y.is_headline
order by m.month_no
