-- grain: one row per source_id (sources in the `evdash import sources` format; exporting and importing it back changes nothing)
-- params: none
select
    t.source_id,
    t.url,
    t.publisher,
    t.reliability,
    t.note
from sources as t
order by t.source_id
