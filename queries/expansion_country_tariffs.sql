-- grain: one row per duty case × import duty line that applies to the brand's cars of `powertrain` in one country on `on_date` (rule: the duty mart, brand_duty_cases in evdash/models/22_marts_duties.sql)
-- params: brand (varchar), on_date (date), powertrain (varchar), country (varchar)
select
    t.case_label as duty_case,
    t.market_code as set_by,
    t.measure,
    t.duty_kind,
    t.rate_pct,
    t.min_amount,
    t.min_currency,
    t.applies_to,
    t.powertrain,
    t.origin_iso3,
    t.effective_from,
    t.effective_to,
    t.status,
    t.confidence::varchar as confidence,
    t.as_of,
    t.source_url,
    t.note
from car_duty_case_lines(
    brand_origin($brand, $powertrain), brand_class($brand), $powertrain, $on_date
) as t
where t.iso3 = $country and (t.base_rank is null or t.base_rank = 1)
order by t.case_order, t.duty_kind desc, t.tariff_id
