-- grain: one row per recurring source (source_feeds.feed_id): its registry entry and `newest_month`, the first day of the last month its newest figure covers (null = no figure held)
-- params: none
-- Which data holds a source's newest figure is one rule, here: `newest_measure` names the kind of figure
-- and `newest_subject` whose (a brand, a market, a currency pair). Reads the raw tables on purpose, as
-- freshness.sql does: "what is the newest figure held" is about what the data holds, seeds and imports
-- alike, before any picking.
with held as (
    -- deliveries: a brand's own figures at the feed's period (months: monthly rows and month totals)
    select 'deliveries' as measure, brand_id as subject, 'month' as period, max(month) as newest_month
    from deliveries_monthly group by brand_id
    union all
    select 'deliveries', brand_id, period_kind, date_trunc('month', max(period_end))
    from delivery_totals where period_kind in ('month', 'quarter', 'year') group by brand_id, period_kind
    union all
    -- iea_historical: the newest year of the IEA's historical (not projected) figures
    select 'iea_historical', null, 'year', make_date(max(year), 12, 1) from iea_ev_data where category = 'Historical'
    union all
    -- market_registrations: a market's newest month, published totals or a vendor's registrations
    select 'market_registrations', market_code, null, max(month_to) from brand_registrations group by market_code
    union all
    select 'market_registrations', market_code, null, max(month) from registrations group by market_code
    union all
    -- and the national registration offices' own files (KBA FZ 10, RDW, DfT: data/raw, evdash fetch)
    select 'market_registrations', market_code, null, max(month) from national_registrations group by market_code
    union all
    -- fx_fixing: the month of the newest rate of the pair 'BASE/QUOTE'
    select 'fx_fixing', base || '/' || quote, null, date_trunc('month', max(rate_date))
    from fx_rates group by base, quote
)
select
    f.feed_id, f.name, f.publisher, f.publishes, f.url, f.licence, f.period, f.lag_months, f.due_day,
    f.parser, f.newest_measure, f.newest_subject, f.note,
    cast(max(h.newest_month) as date) as newest_month
from source_feeds as f
left join held as h
    on h.measure = f.newest_measure
    and h.subject is not distinct from f.newest_subject
    and (h.period is null or h.period = f.period)
group by all
order by f.feed_id
