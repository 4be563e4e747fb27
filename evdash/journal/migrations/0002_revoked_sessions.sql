-- Signed-out sessions (evdash/revocations.py): a session cookie copied before its sign-out is refused
-- by every app server sharing this database. Rows are kept until the session would have ended anyway.
create table evdash_revoked_sessions (
    session_id text primary key,
    revoked_at timestamptz not null default now(),
    valid_until timestamptz not null
);
create index evdash_revoked_sessions_until on evdash_revoked_sessions (valid_until);
