-- grain: one row per country market where the brand has an expansion status or a car-store count on on_date (latest of each)
-- params: brand (varchar), on_date (date)
-- Car stores: the one rule in v_car_store_counts (evdash/models/12_staging_stores.sql).
with status as (
    select
        e.market_code, e.status, e.status_date, e.planned_entry, e.source_id as status_source_id,
        e.confidence as status_confidence,
        row_number() over (partition by e.market_code order by e.status_date desc, e.source_id) as pick
    from expansion_status as e
    where e.brand_id = $brand and e.status_date <= $on_date
),
stores as (
    select
        v.market_code, v.stores, v.event_date as stores_date, v.source_id as stores_source_id,
        v.confidence as stores_confidence,
        row_number() over (partition by v.market_code order by v.event_date desc, v.row_id desc) as pick
    from v_car_store_counts as v
    where v.brand_id = $brand and v.event_date <= $on_date
)
select
    coalesce(s.market_code, t.market_code) as market_code,
    s.status,
    s.status_date,
    s.planned_entry,
    s.status_source_id,
    s.status_confidence,
    t.stores,
    t.stores_date,
    t.stores_source_id,
    t.stores_confidence
from (select * from status where pick = 1) as s
full outer join (select * from stores where pick = 1) as t on t.market_code = s.market_code
order by market_code
