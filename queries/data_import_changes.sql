-- grain: one row per changed cell of an existing row (a correction: old value -> new value), newest first
-- params: none
select
    c.batch_id,
    h.imported_at,
    h.imported_by,
    h.file_name,
    h.kind,
    c.column_name,
    c.old_value,
    c.new_value,
    c.row_key
from import_changes as c
join import_history as h using (batch_id, file_seq)
order by c.batch_id desc, c.file_seq, c.row_key, c.column_name
