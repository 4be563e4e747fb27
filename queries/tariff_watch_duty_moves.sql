-- grain: one row per country × date between $date_from and $date_to on which an import-duty line concerning a car built in $origin (company class $duty_class, powertrain $powertrain) starts or ends (the day after its last day): the lines' sources, their least certain confidence, their latest as-of, whether a quota line moves, and their statuses. Proposed lines never change anything (rule: car_duty_changes in evdash/models/22_marts_duties.sql); the duty before and after is pricing_duty_changes.sql
-- params: origin (varchar), duty_class (varchar), powertrain (varchar), date_from (date), date_to (date)
with moves as (
    select iso3, effective_from as on_date, measure, status, source_url, confidence, as_of
    from v_duty_lines
    where origin_iso3 = $origin and applies_to in ('all', $duty_class) and powertrain in ('all', $powertrain)
        and status <> 'proposed'
    union all
    select iso3, effective_to + 1, measure, status, source_url, confidence, as_of
    from v_duty_lines
    where origin_iso3 = $origin and applies_to in ('all', $duty_class) and powertrain in ('all', $powertrain)
        and status <> 'proposed' and effective_to is not null
)
select
    iso3 as market_code,
    on_date,
    -- a tariff-rate quota line (Canada's 49,000 cars) is a quota change, every other line a duty change
    bool_or(measure ilike '%quota%') as is_quota,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    worst_confidence(confidence) as confidence,
    max(as_of) as as_of,
    string_agg(distinct status, ', ' order by status) as statuses
from moves
where on_date between $date_from and $date_to
group by iso3, on_date
order by on_date, iso3
