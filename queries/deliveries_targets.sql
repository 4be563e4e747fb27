-- grain: one row per company target revision for the brand and year, in announcement order
-- params: brand (varchar), year (integer)
-- target_is_at_least: the company said "over N". superseded_on: the next revision's date (null = final).
select
    year,
    revision_no,
    revisions,
    target_units,
    confidence::varchar as confidence,
    confidence = 'lower_bound' as target_is_at_least,
    announced_on,
    superseded_on,
    publisher,
    source_url,
    as_of,
    note
from v_target_path
where brand_id = $brand and year = $year
order by revision_no
