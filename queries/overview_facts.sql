-- grain: one row (headline facts for the brand)
-- params: brand (varchar), today (date)
-- cumulative_*: the brand's deliveries since its first figure, by the same best-informed rule as the years
-- (v_brand_cumulative; null when the brand has no figure). models_*: models on sale by `today` from
-- v_models_on_sale (launch date, else first deliveries or list price); models_in_data counts every model.
with cumulative as (
    select * from v_brand_cumulative where brand_id = $brand
),
on_sale as (
    select * from v_models_on_sale where brand_id = $brand and on_sale_from <= $today
)
select
    (select count(*) from v_models_on_sale where brand_id = $brand) as models_in_data,
    (select count(*) from on_sale) as models_on_sale,
    (select string_agg(name, ', ' order by on_sale_from, name) from on_sale) as model_names,
    (select string_agg(name, ', ' order by on_sale_from, name) from on_sale where on_sale_basis <> 'launch date')
        as models_dated_by_evidence,
    (select count(distinct s.market_code) from v_market_stats as s join markets as m using (market_code)
        where m.kind = 'country') as markets_tracked,
    c.scope as cumulative_scope,
    c.cumulative_units,
    c.cumulative_since,
    c.cumulative_through,
    c.cumulative_confidence,
    c.cumulative_is_at_least,
    c.cumulative_basis,
    c.cumulative_detail,
    c.cumulative_source,
    c.cumulative_as_of
from (select 1) as one
left join cumulative as c on true
