-- A signed-in user's visits to the Overview, one row per user and UTC day (evdash/visits.py), so "what
-- changed since your last visit" counts from the same day on every app server sharing this database.
create table evdash_last_visits (
    user_email text not null,
    visit_day date not null,
    primary key (user_email, visit_day)
);
