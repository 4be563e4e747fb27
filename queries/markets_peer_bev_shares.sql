-- grain: one row per market × peer brand (a brand whose home market is China, or Tesla) in the latest calendar year for which a national registration office published all twelve months of the market's battery-electric registrations (v_national_registrations, e.g. KBA FZ 10 for Germany)
-- params: markets (varchar[])
-- share_pct = the brand's BEV registrations in that year / the market's BEV registrations in the same months,
-- so it answers "what do peers hold of this market's EV sales" on the same basis as the implied share.
with market_months as (
    select market_code, year(month) as year, count(*) as months, sum(units) as market_units
    from v_national_registrations
    where subject_kind = 'market' and powertrain = 'BEV' and units is not null
    group by market_code, year(month)
),
full_years as (
    select market_code, max(year) as year
    from market_months where months = 12
    group by market_code
),
brands_year as (
    select
        n.market_code,
        f.year,
        b.name as subject,
        sum(n.units) as units,
        worst_confidence(n.confidence) as confidence,
        min(n.source_url) as source_url
    from v_national_registrations as n
    join full_years as f on f.market_code = n.market_code and year(n.month) = f.year
    join brands as b on b.brand_id = n.brand_id
    where n.subject_kind = 'brand' and n.powertrain = 'BEV' and n.units > 0
        and (b.home_market = 'CHN' or b.brand_id = 'tesla')
        and n.market_code in (select unnest($markets))
    group by n.market_code, f.year, b.name
)
select
    y.market_code,
    y.year::varchar as period_label,
    make_date(y.year, 1, 1) as month_from,
    make_date(y.year, 12, 1) as month_to,
    'brand' as subject_kind,
    y.subject,
    y.units::bigint as units,
    m.market_units::bigint as market_units,
    100.0 * y.units / m.market_units as share_pct,
    y.confidence::varchar as confidence,
    y.source_url,
    y.source_url as market_source_url,
    'battery-electric registrations' as share_of
from brands_year as y
join market_months as m on m.market_code = y.market_code and m.year = y.year
where m.market_units > 0
order by y.market_code, y.units desc
