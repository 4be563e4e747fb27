-- grain: one row (the database version and its data as-of date)
-- params: none
select version, data_as_of, built_at from build_info
