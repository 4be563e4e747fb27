-- grain: one row per country market with requirements in the data (driving side, charging standards, type approval)
-- params: none
-- Sources per part (side, charging, approval); the ranking's gates compare it with markets_model_configurations.
select
    r.market_code,
    r.driving_side,
    r.charging_standards,
    r.type_approval,
    r.confidence::varchar as confidence,
    r.as_of,
    s1.url as side_source_url,
    s2.url as charging_source_url,
    s3.url as approval_source_url,
    r.note
from market_requirements as r
join sources as s1 on s1.source_id = r.side_source_id
join sources as s2 on s2.source_id = r.charging_source_id
join sources as s3 on s3.source_id = r.approval_source_id
order by r.market_code
