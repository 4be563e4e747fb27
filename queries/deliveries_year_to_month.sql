-- grain: one row per month 1–12 (through_month) of the brand × year: the year so far counting the months up to it
-- params: brand (varchar), year (integer)
-- From the year-so-far mart (v_brand_ytd) in the brand × year's headline scope: the delivered figure by the
-- one rule, the target in force at that month's end and the attainment. Row 12 is the year's row of
-- overview_years.sql / deliveries_peers.sql. No rows when the brand has no figure or target that year.
select *
from v_brand_ytd
where brand_id = $brand and year = $year and is_headline
order by through_month
