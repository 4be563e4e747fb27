-- Pre-aggregated registrations, materialised at build time (after every registrations row is loaded) because
-- they pay: the markets pages filter by market and period, and these are 20–60× smaller than the raw
-- table at vendor scale (docs/performance.md). Sorted by (market_code, month) so zone maps prune.
-- Invariant: sum(units) of each equals sum(units) of registrations (tests/test_registrations.py).
create table agg_registrations_mix as
select market_code, month, body_type, powertrain, sum(units)::bigint as units
from registrations
group by all
order by market_code, month, body_type, powertrain;

create table agg_registrations_brand as
select market_code, month, brand_id, sum(units)::bigint as units
from registrations
group by all
order by market_code, month, brand_id;

create table agg_registrations_source as
select market_code, month, source_id, confidence, max(as_of) as as_of, sum(units)::bigint as units
from registrations
group by all
order by market_code, month, source_id, confidence;

-- One row per market × month × brand × vendor model label: what the top-models chart ranks. About 6× fewer
-- rows than the raw table at 10M rows (a model has one body type and one or two powertrains). `create or
-- replace` because build.refresh_registrations_aggregates re-runs this section after import replay.
create or replace table agg_registrations_model as
select market_code, month, brand_id, model_name, any_value(body_type) as body_type, sum(units)::bigint as units
from registrations
group by market_code, month, brand_id, model_name
order by market_code, month, brand_id, model_name;
