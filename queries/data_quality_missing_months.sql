-- grain: one row per brand with monthly deliveries: months between its first and last monthly figure (any market, brand total or model split) that have no figure at all
-- params: none
with months as (
    select brand_id, month
    from deliveries_monthly
    group by brand_id, month
),
span as (
    select brand_id, min(month) as first_month, max(month) as last_month, count(*) as months_with_data
    from months
    group by brand_id
),
expected as (
    select s.brand_id, unnest(generate_series(s.first_month, s.last_month, interval 1 month))::date as month
    from span as s
),
missing as (
    select e.brand_id, e.month
    from expected as e
    anti join months as m using (brand_id, month)
)
select
    b.name as brand,
    s.brand_id,
    strftime(s.first_month, '%Y-%m') as first_month,
    strftime(s.last_month, '%Y-%m') as last_month,
    s.months_with_data,
    count(m.month) as months_missing,
    coalesce(string_agg(strftime(m.month, '%Y-%m'), ', ' order by m.month), '') as missing_months
from span as s
join brands as b using (brand_id)
left join missing as m using (brand_id)
group by all
order by months_missing desc, b.name
