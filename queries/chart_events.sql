-- grain: one row per event the brand's delivery charts mark: each company target revision (with the value it replaced), each model launch (models.launch_date, and launch events on other dates) and each milestone event
-- params: brand (varchar)
-- kind: 'target_revision' | 'launch' | 'milestone'. For a revision, year is the target's year and
-- previous_units the target it replaced (null for the first one). A launch event within 14 days of a
-- model's launch date is the same launch and is not listed twice.
with revisions as (
    select
        announced_on as event_date,
        'target_revision' as kind,
        year,
        revision_no,
        target_units::double as units,
        lag(target_units) over (partition by year order by revision_no)::double as previous_units,
        confidence = 'lower_bound' as is_at_least,
        lag(confidence = 'lower_bound') over (partition by year order by revision_no) as previous_is_at_least,
        null::varchar as title,
        confidence::varchar as confidence,
        source_url,
        as_of
    from v_target_path
    where brand_id = $brand
),
model_launches as (
    select
        m.launch_date as event_date,
        'launch' as kind,
        year(m.launch_date) as year,
        null::bigint as revision_no,
        null::double as units,
        null::double as previous_units,
        false as is_at_least,
        null::boolean as previous_is_at_least,
        m.name || ' launch' as title,
        m.confidence::varchar as confidence,
        s.url as source_url,
        m.as_of
    from models as m
    join sources as s using (source_id)
    where m.brand_id = $brand and m.launch_date is not null
),
launch_events as (
    select
        e.event_date,
        'launch' as kind,
        year(e.event_date) as year,
        null::bigint as revision_no,
        null::double as units,
        null::double as previous_units,
        false as is_at_least,
        null::boolean as previous_is_at_least,
        e.title,
        e.confidence::varchar as confidence,
        s.url as source_url,
        e.as_of
    from events as e
    join sources as s using (source_id)
    where e.brand_id = $brand and e.event_type = 'launch'
        and not exists (
            select 1 from models as m
            where m.brand_id = $brand and m.launch_date is not null
                and abs(date_diff('day', m.launch_date, e.event_date)) <= 14
        )
),
milestones as (
    select
        e.event_date,
        'milestone' as kind,
        year(e.event_date) as year,
        null::bigint as revision_no,
        e.value_num as units,
        null::double as previous_units,
        false as is_at_least,
        null::boolean as previous_is_at_least,
        e.title,
        e.confidence::varchar as confidence,
        s.url as source_url,
        e.as_of
    from events as e
    join sources as s using (source_id)
    where e.brand_id = $brand and e.event_type = 'milestone'
    qualify row_number() over (partition by e.event_date order by confidence_rank(e.confidence), e.row_id) = 1
)
select * from revisions
union all select * from model_launches
union all select * from launch_events
union all select * from milestones
order by event_date, kind, revision_no
