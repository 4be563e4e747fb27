-- grain: one row per country in $markets × tariff row that names the country itself or a group containing it (all dates and statuses; evdash.pricing.select_duties picks what applies)
-- params: markets (varchar[]), origin (varchar)
with targets as (
    select unnest($markets::varchar[]) as market_iso3
),
scopes as (
    select t.market_iso3, m.group_code as tariff_market
    from targets as t
    join v_market_membership as m on m.iso3 = t.market_iso3
)
select
    sc.market_iso3,
    t.tariff_id,
    t.market_code as tariff_market,
    t.measure,
    t.origin_iso3,
    t.applies_to,
    t.powertrain,
    t.duty_kind,
    t.rate_pct,
    t.min_amount::double as min_amount,
    t.min_currency,
    t.effective_from,
    t.effective_to,
    t.status,
    t.confidence,
    t.as_of,
    t.source_id,
    s.url as source_url,
    t.note
from scopes as sc
join tariffs as t on t.market_code = sc.tariff_market
join sources as s on s.source_id = t.source_id
where t.origin_iso3 = $origin
order by sc.market_iso3, t.duty_kind, t.effective_from, t.tariff_id
