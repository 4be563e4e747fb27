-- The shared import journal: accepted import files (content-addressed) and one row per accepted batch,
-- written in one transaction per batch (evdash/journal/postgres.py). A batch row cannot exist without
-- its files (foreign keys), so a batch is recorded whole or not at all.
create table evdash_journal_files (
    kind text not null,
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint not null check (size >= 0),
    data bytea not null,
    stored_at timestamptz not null default now(),
    primary key (kind, sha256)
);

create table evdash_journal_batches (
    batch_id bigint primary key check (batch_id > 0),
    record jsonb not null,  -- the batch as the local manifest line holds it (evdash.journal.base.Batch)
    committed_at timestamptz not null default now()
);

create table evdash_journal_batch_files (
    batch_id bigint not null references evdash_journal_batches (batch_id),
    position integer not null check (position > 0),
    kind text not null,
    sha256 text not null,
    file_name text not null,
    primary key (batch_id, position),
    foreign key (kind, sha256) references evdash_journal_files (kind, sha256)
);
