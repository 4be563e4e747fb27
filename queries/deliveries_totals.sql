-- grain: one row per company delivery total of the brand inside the year (quarter, year, year-to-date, month, cumulative milestones that start in the year), every scope, beside the sum of the monthly figures over the same whole months
-- params: brand (varchar), year (integer)
-- From v_brand_period_totals: months_units sums the months that end on or before period_end (a total to
-- 13 Nov is compared with the months to October; scope 'all' only). gap_units = reported − sum of months
-- (positive: the months undercount). from_year_start: the total counts every delivery of the year so far.
select * exclude (brand_id, year)
from v_brand_period_totals
where brand_id = $brand and year = $year and year(period_start) = $year
order by scope, period_end, period_start desc
