-- grain: one row (headline facts for the brand)
-- params: brand (varchar), today (date)
select
    (select count(*) from models where brand_id = $brand and launch_date <= $today) as models_on_sale,
    (select string_agg(name, ', ' order by launch_date) from models
        where brand_id = $brand and launch_date <= $today) as model_names,
    (select count(distinct market_code) from market_stats as s join markets as m using (market_code)
        where m.kind = 'country') as markets_tracked,
    (select sum(units)::bigint from v_brand_month where brand_id = $brand) as cumulative_months_units,
    (select bool_or(has_lower_bound) from v_brand_month where brand_id = $brand) as cumulative_has_lower_bound,
    (select min(month) from v_brand_month where brand_id = $brand) as first_month,
    (select max(month) from v_brand_month where brand_id = $brand) as last_month
