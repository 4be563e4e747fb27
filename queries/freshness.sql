-- grain: one row per kind of figure (monthly_deliveries, period_totals, targets, market_figures, prices, fx, suv_shares, registrations, published_registrations, expansion, duties): the newest period any figure of that kind covers, for the brand where the kind is a brand's (null = none)
-- params: brand (varchar)
-- Reads the raw tables on purpose: "how old is the newest figure" is about what the data holds, seeds
-- and imports alike, before any picking.
with totals as (
    select arg_max(period_kind, period_end) as period_kind, arg_max(period_start, period_end) as period_start,
        max(period_end) as period_end, max(as_of) as as_of
    from delivery_totals where brand_id = $brand and period_kind in ('quarter', 'year', 'ytd', 'month')
)
select 'monthly_deliveries' as kind, 'month' as granularity, max(month) as period_start,
    last_day(max(month)) as period_end, max(as_of) as as_of
from deliveries_monthly where brand_id = $brand
union all
select 'period_totals', period_kind, period_start, period_end, as_of from totals
union all
select 'targets', 'day', max(announced_on), max(announced_on), max(as_of) from targets where brand_id = $brand
union all
select 'market_figures', 'year', make_date(max(year), 1, 1), make_date(max(year), 12, 31), max(as_of)
from market_stats where period_scope = 'full_year'
union all
select 'prices', 'day', max(effective_from), max(effective_from), max(as_of) from prices
union all
select 'fx', 'day', max(rate_date), max(rate_date), max(as_of) from fx_rates
union all
select 'suv_shares', 'year', make_date(max(year), 1, 1), make_date(max(year), 12, 31), max(as_of) from suv_share
union all
select 'registrations', 'month', max(month), last_day(max(month)), max(as_of) from agg_registrations_source
union all
select 'published_registrations', 'month', max(month_to), last_day(max(month_to)), max(as_of)
from brand_registrations
union all
select 'expansion', 'day', max(status_date), max(status_date), max(as_of) from expansion_status where brand_id = $brand
union all
select 'duties', 'day', max(effective_from), max(effective_from), max(as_of) from tariffs
