-- grain: one row per country market with at least one import duty that applies to the brand's cars of `powertrain` on `on_date` (absent = no data, not zero)
-- params: brand (varchar), on_date (date), powertrain (varchar)
-- Reads the duty mart (evdash/models/22_marts_duties.sql: brand_duty_cases, the one duty rule). A country
-- whose duty depends on a fact the data cannot settle has several cases (Canada in / out of its quota,
-- Turkey's levy adding or not, India's CIF threshold): total_min_pct .. total_pct spans them and `cases`
-- names each with its total. total_pct is the highest case (what a map colours and a ranking scores:
-- an entrant cannot count on a shared quota).
with cases as (
    select * from brand_duty_cases($brand, $on_date, $powertrain)
),
per_market as (
    select
        iso3,
        max(total_pct) as total_pct,
        min(total_pct) as total_min_pct,
        max(base_pct) as base_pct,
        min(base_pct) as base_min_pct,
        max(additional_pct) as additional_pct,
        min(additional_pct) as additional_min_pct,
        count(*) as n_cases,
        bool_or(total_is_at_least) as total_is_at_least,
        string_agg(
            case when case_id <> 'all' then case_label || ': '
                || coalesce(case when total_is_at_least then '≥ ' else '' end || printf('%g%%', total_pct), 'unknown')
            end,
            ' · ' order by case_order
        ) as cases,
        string_agg(
            case when case_id <> 'all' then case_label || ' — ' else '' end || duty_lines,
            ' | ' order by case_order
        ) as duty_lines,
        string_agg(distinct source_url, ' ; ') as source_url,
        max(as_of) as as_of,
        worst_confidence(confidence) as confidence,
        bool_or(has_provisional) as has_provisional
    from cases
    group by iso3
)
select
    p.iso3 as market_code,
    c.name as country,
    $brand as brand_id,
    $powertrain as powertrain,
    $on_date::date as on_date,
    p.base_pct,
    p.base_min_pct,
    p.additional_pct,
    p.additional_min_pct,
    p.total_pct,
    p.total_min_pct,
    p.total_is_at_least,
    p.n_cases,
    p.cases,
    p.has_provisional,
    p.duty_lines,
    p.confidence,
    p.as_of,
    p.source_url
from per_market as p
join countries as c on c.iso3 = p.iso3
order by p.iso3
