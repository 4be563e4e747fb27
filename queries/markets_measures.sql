-- grain: one row per country market × measure (ev_sales, bev_sales, ev_share_pct, bev_share_pct, suv_share_pct, ev_growth_pct): the latest year with a value
-- params: none
-- Reads the market × year measures mart (evdash/models/21_marts_markets.sql: v_market_latest); the
-- picking and growth rules live there, not here.
select
    l.market_code,
    k.name as market_name,
    r.evdash_region,
    case l.metric when 'new_ev_sales' then 'ev_sales' else l.metric end as measure,
    l.value,
    l.year,
    l.period_scope,
    l.confidence,
    l.as_of,
    l.source_id,
    l.source_url,
    l.scope_note
from v_market_latest as l
join countries as k on k.iso3 = l.market_code
left join country_regions as r on r.iso3 = l.market_code
order by l.market_code, measure
