-- Analyst notes (table `annotations`, evdash/notes.py): the latest revision of each note, deleted ones
-- included (`deleted`), with who first wrote it and when. Queries showing notes read this view, never
-- the table, so "latest revision wins" is said once.

-- grain: one row per note_id.
create view v_notes as
select
    a.*,
    a.action = 'deleted' as deleted,
    first_value(a.author) over n as created_by,
    first_value(a.written_at) over n as created_at,
    count(*) over n as revisions
from annotations as a
window n as (partition by a.note_id order by a.revision rows between unbounded preceding and unbounded following)
qualify a.revision = max(a.revision) over (partition by a.note_id);
