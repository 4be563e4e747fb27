-- Saved views and subscriptions (evdash/journal/subscriptions.py), and one row per delivery's
-- idempotency key: the primary key on `key` is what makes two servers (or the same run twice) send a
-- message once; `failed` rows are claimed again by the next run.
create table evdash_subscriptions (
    id text primary key,
    kind text not null check (kind in ('view', 'subscription')),
    owner text not null,
    body jsonb not null,
    created_at timestamptz not null default now(),
    cancelled_at timestamptz,
    cancelled_by text
);

create table evdash_deliveries (
    key text primary key,
    subscription_id text not null references evdash_subscriptions (id),
    status text not null check (status in ('sending', 'sent', 'failed')),
    state jsonb not null default '[]',
    token text not null,
    claimed_at timestamptz not null default now(),
    finished_at timestamptz,
    attempts integer not null default 1,
    error text not null default ''
);
create index evdash_deliveries_subscription on evdash_deliveries (subscription_id);
