-- grain: one row per date after $since × duty change (before → after, what changed) on the brand's car of $powertrain (its origin and duty class: brand_origin, brand_class), with the country markets it reaches (counted by the date it TAKES EFFECT: a date after $today is announced, not yet in force); rule: car_duty_changes in evdash/models/22_marts_duties.sql
-- params: brand (varchar), powertrain (varchar), since (date)
with changes as (
    select m.market_code, m.name, c.on_date, c.duty_before, c.duty_after, c.what_changed
    from markets as m,
        lateral (
            select * from car_duty_changes(brand_origin($brand, $powertrain), brand_class($brand), $powertrain,
                m.market_code)
        ) as c
    where m.kind = 'country' and c.on_date > $since
)
select
    on_date,
    duty_before,
    duty_after,
    what_changed,
    count(*) as markets,
    min(market_code) as market_code,
    string_agg(name, ', ' order by name) as market_names
from changes
group by on_date, duty_before, duty_after, what_changed
order by on_date, market_names
