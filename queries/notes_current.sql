-- grain: one row per analyst note shown now (the latest revision of each note that is not deleted), with what it is attached to in words' parts (brand, model and market names); newest first
-- params: none
-- Reads v_notes (evdash/models/40_notes.sql: latest revision wins). attached_to: 'period' | 'market' |
-- 'figure'. period_to null = a single date. created_by / created_at: the note's first revision.
select
    n.note_id,
    n.revision,
    n.attached_to,
    n.period_from,
    n.period_to,
    n.market_code,
    c.name as market_name,
    n.brand_id,
    b.name as brand_name,
    n.model_id,
    m.name as model_name,
    n.year,
    n.note_text,
    n.link,
    n.created_by,
    n.created_at,
    n.author as edited_by,
    n.written_at as edited_at,
    n.revisions
from v_notes as n
left join countries as c on c.iso3 = n.market_code
left join brands as b on b.brand_id = n.brand_id
left join models as m on m.model_id = n.model_id
where not n.deleted
order by n.created_at desc, n.note_id
