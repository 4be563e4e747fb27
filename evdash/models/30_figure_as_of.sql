-- Every figure's as-of date, for "data as of": one row per figure row of every table that holds figures
-- (seeds and imports alike, so an import that adds newer figures moves the date).
create view v_figure_as_of as
select as_of from deliveries_monthly
union all select as_of from delivery_totals
union all select as_of from targets
union all select as_of from market_stats
union all select as_of from iea_ev_data
union all select as_of from prices
union all select as_of from tariffs
union all select as_of from vat_rates
union all select as_of from fx_rates
union all select as_of from expansion_status
union all select as_of from events
union all select as_of from registrations
union all select as_of from suv_share
union all select as_of from brand_registrations;
