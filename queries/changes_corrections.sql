-- grain: one row per corrected cell (an import that changed an existing row: old value -> new value) accepted after the end of $since and by the end of $today (counted by ACCEPTANCE: import_history.imported_at, UTC); newest first
-- params: since (date), today (date)
select
    h.kind,
    c.row_key,
    c.column_name,
    c.old_value,
    c.new_value,
    h.imported_at,
    h.imported_at::date as accepted_on,
    h.imported_by,
    h.file_name,
    c.batch_id
from import_changes as c
join import_history as h using (batch_id, file_seq)
where h.imported_at >= $since + interval 1 day and h.imported_at < $today + interval 1 day
order by h.imported_at desc, c.batch_id desc, c.file_seq, c.row_key, c.column_name
