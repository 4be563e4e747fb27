-- Staging: a brand's car-store counts per market, the one rule for "store presence" (the expansion map's
-- store measure and the ranking's presence both read it).
-- A `stores` event counts car stores when its unit is exactly 'car stores' or 'car sales stores': plans
-- ('car stores planned …'), all-product retail ('Xiaomi retail stores …'), electronics-only stores and
-- service outlets are not store presence. One row per such event, with its source.
create view v_car_store_counts as
select
    e.brand_id,
    e.market_code,
    e.event_date,
    e.value_num as stores,
    e.title,
    e.value_unit,
    e.source_id,
    s.url as source_url,
    s.publisher,
    e.as_of,
    e.confidence::varchar as confidence,
    e.row_id
from events as e
join sources as s using (source_id)
where e.event_type = 'stores'
    and e.market_code is not null
    and regexp_matches(e.value_unit, '^car (sales )?stores$');
