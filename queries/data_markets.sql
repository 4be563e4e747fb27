-- grain: one row per market × year × period_scope × source_url (market_stats in the `evdash import markets` format; exporting and importing it back changes nothing)
-- params: market (varchar)
-- '' for brand/market = all.
select
    t.market_code as market,
    t.year,
    t.period_scope,
    t.new_ev_sales,
    t.bev_sales,
    t.total_new_car_sales,
    t.ev_share_pct,
    t.bev_share_pct,
    t.suv_share_pct,
    t.scope_note,
    s.url as source_url,
    t.as_of,
    t.confidence,
    t.note
from market_stats as t
join sources as s using (source_id)
where ($market = '' or t.market_code = $market)
order by t.market_code, t.year, t.period_scope, t.source_id, t.row_id
