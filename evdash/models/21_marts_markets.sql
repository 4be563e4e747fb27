-- Marts: market × year measures.

-- One row per market × year: each metric's picked value with its own confidence, source, as-of and
-- period scope; plus summaries (worst confidence, least complete period scope, all sources, scope notes).
create view v_market_stats as
select
    market_code,
    year,
    max(value) filter (where metric = 'new_ev_sales')::bigint as new_ev_sales,
    max(value) filter (where metric = 'bev_sales')::bigint as bev_sales,
    max(value) filter (where metric = 'total_new_car_sales')::bigint as total_new_car_sales,
    max(value) filter (where metric = 'ev_share_pct')::double as ev_share_pct,
    max(value) filter (where metric = 'bev_share_pct')::double as bev_share_pct,
    max(value) filter (where metric = 'suv_share_pct')::double as suv_share_pct,
    max(confidence::varchar) filter (where metric = 'new_ev_sales') as new_ev_sales_confidence,
    max(source_url) filter (where metric = 'new_ev_sales') as new_ev_sales_source_url,
    max(as_of) filter (where metric = 'new_ev_sales') as new_ev_sales_as_of,
    max(period_scope) filter (where metric = 'new_ev_sales') as new_ev_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'bev_sales') as bev_sales_confidence,
    max(source_url) filter (where metric = 'bev_sales') as bev_sales_source_url,
    max(as_of) filter (where metric = 'bev_sales') as bev_sales_as_of,
    max(period_scope) filter (where metric = 'bev_sales') as bev_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'total_new_car_sales') as total_new_car_sales_confidence,
    max(source_url) filter (where metric = 'total_new_car_sales') as total_new_car_sales_source_url,
    max(as_of) filter (where metric = 'total_new_car_sales') as total_new_car_sales_as_of,
    max(period_scope) filter (where metric = 'total_new_car_sales') as total_new_car_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'ev_share_pct') as ev_share_pct_confidence,
    max(source_url) filter (where metric = 'ev_share_pct') as ev_share_pct_source_url,
    max(as_of) filter (where metric = 'ev_share_pct') as ev_share_pct_as_of,
    max(period_scope) filter (where metric = 'ev_share_pct') as ev_share_pct_period_scope,
    max(confidence::varchar) filter (where metric = 'bev_share_pct') as bev_share_pct_confidence,
    max(source_url) filter (where metric = 'bev_share_pct') as bev_share_pct_source_url,
    max(as_of) filter (where metric = 'bev_share_pct') as bev_share_pct_as_of,
    max(period_scope) filter (where metric = 'bev_share_pct') as bev_share_pct_period_scope,
    max(confidence::varchar) filter (where metric = 'suv_share_pct') as suv_share_pct_confidence,
    max(source_url) filter (where metric = 'suv_share_pct') as suv_share_pct_source_url,
    max(as_of) filter (where metric = 'suv_share_pct') as suv_share_pct_as_of,
    max(period_scope) filter (where metric = 'suv_share_pct') as suv_share_pct_period_scope,
    case max(confidence_rank(confidence)) when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end
        as confidence,
    case max(case period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end)
        when 1 then 'full_year' when 2 then 'partial_year' else 'projection' end as period_scope,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    max(as_of) as as_of,
    string_agg(distinct scope_note, ' ; ' order by scope_note) as scope_note
from v_market_metrics
group by market_code, year;
