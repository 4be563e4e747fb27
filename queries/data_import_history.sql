-- grain: one row per imported file (newest first), from the import manifest replayed by the build
-- params: none
select
    h.batch_id,
    h.imported_at,
    h.imported_by,
    h.file_name,
    h.kind,
    h.rows_in_file,
    h.rows_added,
    h.rows_changed,
    h.rows_unchanged,
    h.sources_added,
    h.sha256
from import_history as h
order by h.batch_id desc, h.file_seq
