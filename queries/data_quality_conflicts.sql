-- grain: one row per brand × model × market × month whose stored monthly figures disagree (more than one distinct units value); the dashboard shows one of them by the picking rule (Sources page)
-- params: none
select
    b.name as brand,
    d.brand_id,
    coalesce(m.name, 'all models') as model,
    d.market_code as market,
    strftime(d.month, '%Y-%m') as month_label,
    count(*) as figures,
    min(d.units) as min_units,
    max(d.units) as max_units,
    -- each stored figure; the page writes them out with the confidence's label (evdash.quality)
    list(
        {'units': d.units, 'confidence': d.confidence::varchar, 'publisher': s.publisher, 'as_of': d.as_of}
        order by d.as_of, d.units
    ) as versions
from deliveries_monthly as d
join brands as b using (brand_id)
left join models as m using (model_id)
join sources as s on s.source_id = d.source_id
group by all
having count(distinct d.units) > 1
order by b.name, month_label, model, market
