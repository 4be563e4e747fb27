-- grain: one row per brand × model × market × month whose stored monthly figures disagree (more than one distinct units value); the dashboard shows one of them by the picking rule (Sources page)
-- params: none
select
    b.name as brand,
    d.brand_id,
    coalesce(d.model_id, '') as model,
    d.market_code as market,
    strftime(d.month, '%Y-%m') as month_label,
    count(*) as figures,
    min(d.units) as min_units,
    max(d.units) as max_units,
    string_agg(
        d.units || ' (' || d.confidence || ', ' || s.publisher || ', as of ' || d.as_of || ')', '; '
        order by d.as_of, d.units
    ) as versions
from deliveries_monthly as d
join brands as b using (brand_id)
join sources as s using (source_id)
group by all
having count(distinct d.units) > 1
order by b.name, month_label, model, market
