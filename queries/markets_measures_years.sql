-- grain: one row per country market × ranking measure (ev_sales, bev_sales, ev_share_pct, bev_share_pct, ev_growth_pct, suv_share_pct) × year with a value
-- params: none
-- Every year, not only the latest: the ranking takes one basis year per measure for all the markets it
-- compares (scoring.pick_basis). Reads the market × year measures mart (evdash/models/21_marts_markets.sql:
-- v_market_ranking_years, v_market_body_fit_years); the picking, growth and usable-period rules live there,
-- not here. `is_proxy`: the value is a regional figure standing in for the market's own (SUV share).
with usable as (
    select
        m.market_code, m.metric, m.value, m.year, m.period_scope, m.confidence, m.as_of, m.source_id,
        m.source_url, m.scope_note, false as is_proxy
    from v_market_ranking_years as m
    union all
    select
        b.market_code, 'suv_share_pct', b.value, b.year, b.period_scope, b.confidence, b.as_of, b.source_id,
        b.source_url, b.scope_note, b.basis = 'regional'
    from v_market_body_fit_years as b
)
select
    u.market_code,
    k.name as market_name,
    r.evdash_region,
    case u.metric when 'new_ev_sales' then 'ev_sales' else u.metric end as measure,
    u.value,
    u.year,
    u.period_scope,
    u.confidence,
    u.as_of,
    u.source_id,
    u.source_url,
    u.scope_note,
    u.is_proxy
from usable as u
join countries as k on k.iso3 = u.market_code
left join country_regions as r on r.iso3 = u.market_code
order by u.market_code, measure, u.year
