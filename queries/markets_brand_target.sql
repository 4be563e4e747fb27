-- grain: one row (or none): the brand's latest company annual target in force on on_date (latest year, then its latest revision)
-- params: brand (varchar), on_date (date)
-- Reads the target revision path (v_target_path: company targets only, never analysts' forecasts).
select
    year,
    target_units,
    confidence::varchar as confidence,
    confidence = 'lower_bound' as target_is_at_least,
    announced_on,
    source_url
from v_target_path
where brand_id = $brand and announced_on <= $on_date
order by year desc, revision_no desc
limit 1
