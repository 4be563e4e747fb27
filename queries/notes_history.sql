-- grain: one row per revision of every analyst note (added, edited, deleted), deleted notes included; newest note first, its revisions in order
-- params: none
-- Reads the append-only table on purpose (every version kept by the journal) and v_notes only for the
-- note's first author and date, which order the list.
select
    a.note_id,
    a.revision,
    a.action,
    a.attached_to,
    a.period_from,
    a.period_to,
    a.market_code,
    c.name as market_name,
    a.brand_id,
    b.name as brand_name,
    a.model_id,
    m.name as model_name,
    a.year,
    a.note_text,
    a.link,
    a.author,
    a.written_at,
    n.revision = a.revision as latest
from annotations as a
join v_notes as n using (note_id)
left join countries as c on c.iso3 = a.market_code
left join brands as b on b.brand_id = a.brand_id
left join models as m on m.model_id = a.model_id
order by n.created_at desc, a.note_id, a.revision
