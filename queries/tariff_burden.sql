-- grain: one row per country market with at least one import duty that applies to the brand's cars of `powertrain` on `on_date` (absent = no data, not zero)
-- params: brand (varchar), on_date (date), powertrain (varchar)
-- Which duty lines apply is the table macro brand_tariff_lines in evdash/views.sql (country or its
-- groups, the brand's production origin, applies_to 'all' or the brand's tariffs company, powertrain,
-- in force on on_date with effective_to as the last day, any status but 'proposed').
-- base_pct is the highest base duty (several base lines = conditional rates, e.g. India by CIF value;
-- base_min_pct gives the lowest); total_pct = base_pct + the sum of additional ad-valorem duties.
-- total_is_at_least: a per-car minimum or fixed fee applies, or no base duty is known.
with lines as (
    select * from brand_tariff_lines($brand, $on_date, $powertrain)
),
per_market as (
    select
        iso3,
        max(rate_pct) filter (where duty_kind = 'base') as base_pct,
        min(rate_pct) filter (where duty_kind = 'base') as base_min_pct,
        sum(rate_pct) filter (where duty_kind = 'additional') as additional_pct,
        count(rate_pct) as ad_valorem_lines,
        count(*) filter (where duty_kind = 'base') as base_lines,
        bool_or(min_amount is not null) as has_minimum,
        string_agg(
            measure || ': ' || coalesce(rate_pct::varchar || '%', '')
                || coalesce(' (at least ' || min_amount::bigint::varchar || ' ' || min_currency || ' per car)', '')
                || ' [' || status || ', ' || tariff_id || ']',
            '; ' order by duty_kind, tariff_id
        ) as duty_lines,
        string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
        max(as_of) as as_of,
        case max(case confidence when 'reported' then 1 when 'lower_bound' then 2 else 3 end)
            when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end as confidence,
        bool_or(status = 'provisional') as has_provisional
    from lines
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
    coalesce(p.additional_pct, 0) as additional_pct,
    case when p.ad_valorem_lines = 0 then null
        else coalesce(p.base_pct, 0) + coalesce(p.additional_pct, 0) end as total_pct,
    case when p.ad_valorem_lines = 0 then null
        else coalesce(p.base_min_pct, 0) + coalesce(p.additional_pct, 0) end as total_min_pct,
    p.has_minimum or p.base_pct is null as total_is_at_least,
    p.base_lines,
    p.has_provisional,
    p.duty_lines,
    p.confidence,
    p.as_of,
    p.source_url
from per_market as p
join countries as c on c.iso3 = p.iso3
order by p.iso3
