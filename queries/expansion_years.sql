-- grain: one row per year that has market figures for at least one country, with how many countries have each kind of figure
-- params: none
select
    m.year,
    count(distinct m.market_code) as countries,
    count(distinct m.market_code) filter (where m.metric = 'new_ev_sales') as with_ev_sales,
    count(distinct m.market_code) filter (where m.metric = 'ev_share_pct') as with_ev_share
from v_market_measures as m
join country_regions as r on r.iso3 = m.market_code
group by m.year
order by m.year
