-- grain: one row per dated fact about the brand in one country: every expansion status (with the one in force on on_date marked current) and every event (debut, statement, stores, launch ...)
-- params: brand (varchar), country (varchar), on_date (date)
with statuses as (
    select
        e.status_date as date,
        'status: ' || e.status as kind,
        e.statement as what,
        e.planned_entry,
        null::double as value,
        null::varchar as unit,
        e.confidence::varchar as confidence,
        e.as_of,
        s.url as source_url,
        e.status_date = max(e.status_date) filter (where e.status_date <= $on_date) over () as is_current
    from expansion_status as e
    join sources as s using (source_id)
    where e.brand_id = $brand and e.market_code = $country
),
facts as (
    select
        v.event_date as date,
        v.event_type as kind,
        v.title as what,
        null::varchar as planned_entry,
        v.value_num as value,
        v.value_unit as unit,
        v.confidence::varchar as confidence,
        v.as_of,
        s.url as source_url,
        false as is_current
    from events as v
    join sources as s using (source_id)
    where v.brand_id = $brand and v.market_code = $country
)
select * from statuses
union all
select * from facts
order by date desc, kind
