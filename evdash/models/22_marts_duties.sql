-- Marts: market membership and the duty lines that apply to a brand's car in a market on a date.

-- Which tariff markets reach a country: the country itself and every group it belongs to (EU27 duties
-- reach every member). One row per (tariff market, country).
create view v_market_membership as
select market_code as group_code, market_code as iso3 from markets where kind = 'country'
union all
select group_code, member_iso3 from market_group_members;

-- The import-duty lines that apply to a brand's cars of one powertrain in each country on a date
-- (one row per country × tariff line; the single home of this rule, used by tariff_burden.sql and
-- expansion_country_tariffs.sql). A line applies when:
--   * its market is the country, or a market group the country belongs to;
--   * its origin is where the brand builds cars of that powertrain (models.production_country; the brand's
--     home market if it has no such model), and the country is not that origin;
--   * applies_to is 'all' or the brand's tariffs company (brands.tariff_company);
--   * powertrain is 'all' or the given one;
--   * it was in force on the date: effective_from <= date <= effective_to (effective_to is the last day),
--     any status but 'proposed' (a superseded or provisional rate did apply inside its dates).
create macro brand_tariff_lines(p_brand, p_on_date, p_powertrain) as table
with brand as (
    select * from brands where brand_id = p_brand
),
origins as (
    select distinct production_country as origin_iso3
    from models
    where brand_id = p_brand and powertrain = p_powertrain
    union
    select home_market from brand
    where not exists (select 1 from models where brand_id = p_brand and powertrain = p_powertrain)
)
select m.iso3, t.*, s.url as source_url
from tariffs as t
join v_market_membership as m on m.group_code = t.market_code
join sources as s using (source_id)
cross join brand as b
where t.origin_iso3 in (select origin_iso3 from origins)
    and t.origin_iso3 <> m.iso3
    and (t.applies_to = 'all' or t.applies_to = b.tariff_company)
    and t.powertrain in ('all', p_powertrain)
    and t.status <> 'proposed'
    and t.effective_from <= p_on_date
    and (t.effective_to is null or p_on_date <= t.effective_to);
