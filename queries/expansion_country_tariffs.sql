-- grain: one row per import duty line that applies to the brand's cars of `powertrain` in one country on `on_date` (same rule as tariff_burden.sql)
-- params: brand (varchar), on_date (date), powertrain (varchar), country (varchar)
with brand as (
    select * from brands where brand_id = $brand
),
origins as (
    select distinct production_country as origin_iso3
    from models
    where brand_id = $brand and powertrain = $powertrain
    union
    select home_market from brand
    where not exists (select 1 from models where brand_id = $brand and powertrain = $powertrain)
),
memberships as (
    select market_code as group_code, market_code as iso3 from markets where kind = 'country'
    union all
    select group_code, member_iso3 from market_group_members
)
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
    s.url as source_url,
    t.note
from tariffs as t
join memberships as m on m.group_code = t.market_code
join sources as s using (source_id)
cross join brand as b
where m.iso3 = $country
    and t.origin_iso3 in (select origin_iso3 from origins)
    and t.origin_iso3 <> m.iso3
    and (t.applies_to = 'all' or t.applies_to = b.tariff_company)
    and t.powertrain in ('all', $powertrain)
    and t.status <> 'proposed'
    and t.effective_from <= $on_date
    and (t.effective_to is null or $on_date <= t.effective_to)
order by t.duty_kind desc, t.tariff_id
