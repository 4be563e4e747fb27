-- grain: one row per country in $markets × duty case × tariff line concerning a car built in $origin of company class $duty_class and powertrain $powertrain: the lines that apply on $on (applies = true, per case) and those that do not (applies = false, case 'all', with the reason)
-- params: markets (varchar[]), origin (varchar), duty_class (varchar), powertrain (varchar), on (date)
-- Which lines apply is decided by the duty mart (evdash/models/22_marts_duties.sql), not here and not in
-- Python: evdash.pricing only adds up the applied lines of each case.
with targets as (
    select unnest($markets::varchar[]) as iso3
),
applied as (
    select
        l.iso3, l.case_id, l.case_label, l.case_order, l.tariff_id, l.market_code, l.measure, l.duty_kind,
        l.applies_to, l.powertrain, l.rate_pct, l.min_amount, l.min_currency, l.effective_from,
        l.effective_to, l.status, l.confidence, l.as_of, l.source_id, l.source_url, l.note, l.duty_case,
        l.base_rank is null or l.base_rank = 1 as applies,
        case when l.base_rank > 1 then 'another base duty counts in this case (the class-specific or highest one)' end
            as not_applied_reason
    from car_duty_case_lines($origin, $duty_class, $powertrain, $on) as l
    where l.iso3 in (select iso3 from targets)
),
skipped as (
    select
        l.iso3, 'all' as case_id, 'every import' as case_label, 0 as case_order, l.tariff_id, l.market_code,
        l.measure, l.duty_kind, l.applies_to, l.powertrain, l.rate_pct, l.min_amount, l.min_currency,
        l.effective_from, l.effective_to, l.status, l.confidence, l.as_of, l.source_id, l.source_url, l.note,
        l.duty_case, false as applies, l.not_applied_reason
    from car_duty_lines($origin, $duty_class, $powertrain, $on) as l
    where l.iso3 in (select iso3 from targets) and not l.applies
)
select
    iso3 as market_iso3,
    case_id,
    case_label,
    case_order,
    tariff_id,
    market_code as tariff_market,
    measure,
    duty_kind,
    applies_to,
    powertrain,
    rate_pct,
    min_amount::double as min_amount,
    min_currency,
    effective_from,
    effective_to,
    status,
    confidence::varchar as confidence,
    as_of,
    source_id,
    source_url,
    note,
    duty_case,
    applies,
    not_applied_reason
from (select * from applied union all select * from skipped)
order by market_iso3, case_order, not applies, duty_kind, effective_from, tariff_id
