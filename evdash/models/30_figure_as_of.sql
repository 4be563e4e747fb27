-- Every figure's as-of date, for "data as of".
create view v_figure_as_of as
select as_of from deliveries_monthly
union all select as_of from delivery_totals
union all select as_of from targets
union all select as_of from market_stats
union all select as_of from prices
union all select as_of from tariffs
union all select as_of from fx_rates
union all select as_of from expansion_status
union all select as_of from events;
