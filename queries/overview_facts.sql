-- grain: one row (headline facts for the brand)
-- params: brand (varchar), today (date)
-- milestone_*: the latest reported cumulative-deliveries figure (e.g. "over 600,000 by 2026-02-16").
with milestone as (
    select units, period_end, confidence::varchar as confidence, source_url
    from v_delivery_totals
    where brand_id = $brand and model_id is null and scope = 'all' and period_kind = 'cumulative'
    order by period_end desc, units desc
    limit 1
)
select
    (select count(*) from models where brand_id = $brand and launch_date <= $today) as models_on_sale,
    (select string_agg(name, ', ' order by launch_date) from models
        where brand_id = $brand and launch_date <= $today) as model_names,
    (select count(distinct market_code) from market_stats as s join markets as m using (market_code)
        where m.kind = 'country') as markets_tracked,
    (select sum(units)::bigint from v_brand_month where brand_id = $brand) as cumulative_months_units,
    (select bool_or(has_lower_bound) from v_brand_month where brand_id = $brand) as cumulative_has_lower_bound,
    (select min(month) from v_brand_month where brand_id = $brand) as first_month,
    (select max(month) from v_brand_month where brand_id = $brand) as last_month,
    (select units from milestone) as milestone_units,
    (select period_end from milestone) as milestone_date,
    (select confidence from milestone) as milestone_confidence,
    (select source_url from milestone) as milestone_source
