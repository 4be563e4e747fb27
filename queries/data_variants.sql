-- grain: one row per variant_id (variants in the `evdash import variants` format; exporting and importing it back changes nothing)
-- params: none
select
    t.variant_id,
    t.model_id as model,
    t.name,
    t.note
from variants as t
order by t.variant_id
