-- grain: one row per configuration of the model (steering side × charging inlet) in the data; none = unknown
-- params: model (varchar)
select
    c.model_id,
    c.steering,
    c.charging_inlet,
    c.approvals,
    c.confidence::varchar as confidence,
    c.as_of,
    s.url as source_url,
    c.note
from model_configurations as c
join sources as s using (source_id)
where c.model_id = $model
order by c.steering, c.charging_inlet
