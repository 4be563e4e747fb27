-- grain: one row per import duty line that applies to the brand's cars of `powertrain` in one country on `on_date` (rule: brand_tariff_lines in evdash/views.sql)
-- params: brand (varchar), on_date (date), powertrain (varchar), country (varchar)
select
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
from brand_tariff_lines($brand, $on_date, $powertrain) as t
where t.iso3 = $country
order by t.duty_kind desc, t.tariff_id
