-- Views layer the raw tables into what queries read.
-- Picking rule among contradicting figures with the same key (data/README.md, "Which figure is used"):
--   0) a monthly delivery row the data team marked `preferred` (with its reason in the note);
--   1) a reported figure; else an estimate that does not contradict the company's own floor (the
--      highest "over N" for that key); else a lower bound; an estimate below the floor comes last;
--   2) source reliability primary > secondary > low;
--   3) among lower bounds, the highest floor (every "over N" is true at once, the highest says most);
--   4) the later as_of (a later revision beats an earlier figure); 5) source_id, for determinism.

create macro confidence_rank(c) as case c when 'reported' then 1 when 'lower_bound' then 2 else 3 end;
create macro reliability_rank(r) as case r when 'primary' then 1 when 'secondary' then 2 else 3 end;
create macro pick_rank(c, units, floor_units) as case
    when c = 'reported' then 1
    when c = 'estimate' and (floor_units is null or units >= floor_units) then 2
    when c = 'lower_bound' then 3
    else 4 end;

-- One row per (brand, model or brand total, market, month): the figure the dashboard uses,
-- plus how many other versions exist (alternatives > 0 means sources disagree or were revised).
create view v_deliveries_monthly as
with floors as (
    select
        *,
        max(units) filter (where confidence = 'lower_bound')
            over (partition by brand_id, coalesce(model_id, ''), market_code, month) as floor_units
    from deliveries_monthly
),
ranked as (
    select
        d.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        row_number() over w as pick_rank,
        count(*) over k - 1 as alternatives
    from floors as d
    join sources as s using (source_id)
    window
        k as (partition by d.brand_id, coalesce(d.model_id, ''), d.market_code, d.month),
        w as (
            partition by d.brand_id, coalesce(d.model_id, ''), d.market_code, d.month
            order by coalesce(d.preferred, false) desc,
                pick_rank(d.confidence, d.units, d.floor_units), reliability_rank(s.reliability),
                case when d.confidence = 'lower_bound' then -d.units else 0 end, d.as_of desc, d.source_id
        )
)
select * exclude (pick_rank, floor_units, preferred) from ranked where pick_rank = 1;

-- One row per brand × month (all markets): the brand total if published, else the sum of model splits.
-- has_lower_bound / has_estimate tell whether the number is "at least" or an estimate.
create view v_brand_month as
with picked as (
    select * from v_deliveries_monthly
),
brand_rows as (
    select
        brand_id, month,
        sum(units)::bigint as units,
        bool_or(confidence = 'lower_bound') as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        string_agg(distinct source_id, ';' order by source_id) as source_ids,
        max(as_of) as as_of
    from picked
    where model_id is null
    group by all
),
split_rows as (
    select
        brand_id, month,
        sum(units)::bigint as units,
        bool_or(confidence = 'lower_bound') as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        string_agg(distinct source_id, ';' order by source_id) as source_ids,
        max(as_of) as as_of
    from picked
    where model_id is not null
    group by all
)
select
    coalesce(b.brand_id, s.brand_id) as brand_id,
    coalesce(b.month, s.month) as month,
    coalesce(b.units, s.units) as units,
    coalesce(b.has_lower_bound, s.has_lower_bound) as has_lower_bound,
    coalesce(b.has_estimate, s.has_estimate) as has_estimate,
    case when b.units is not null then 'brand_total' else 'sum_of_models' end as basis,
    coalesce(b.source_ids, s.source_ids) as source_ids,
    coalesce(b.as_of, s.as_of) as as_of
from brand_rows as b
full outer join split_rows as s on b.brand_id = s.brand_id and b.month = s.month;

-- Reported period totals, one per (brand, model, scope, period) by the picking rule.
create view v_delivery_totals as
with floors as (
    select
        *,
        max(units) filter (where confidence = 'lower_bound') over (
            partition by brand_id, coalesce(model_id, ''), scope, period_kind, period_start, period_end
        ) as floor_units
    from delivery_totals
),
ranked as (
    select
        t.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by t.brand_id, coalesce(t.model_id, ''), t.scope, t.period_kind, t.period_start, t.period_end
            order by pick_rank(t.confidence, t.units, t.floor_units), reliability_rank(s.reliability),
                case when t.confidence = 'lower_bound' then -t.units else 0 end, t.as_of desc, t.source_id
        ) as pick_rank,
        count(*) over (
            partition by t.brand_id, coalesce(t.model_id, ''), t.scope, t.period_kind, t.period_start, t.period_end
        ) - 1 as alternatives
    from floors as t
    join sources as s using (source_id)
)
select * exclude (pick_rank, floor_units) from ranked where pick_rank = 1;

-- Company targets as a path of revisions: one row per (brand, year, announcement date).
create view v_target_path as
with ranked as (
    select
        t.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by t.brand_id, t.year, t.announced_on
            order by confidence_rank(t.confidence), reliability_rank(s.reliability),
                case when t.confidence = 'lower_bound' then -t.target_units else 0 end, t.as_of desc, t.source_id
        ) as pick_rank
    from targets as t
    join sources as s using (source_id)
    where t.issuer = 'company'
),
picked as (
    select * exclude (pick_rank) from ranked where pick_rank = 1
)
select
    *,
    row_number() over (partition by brand_id, year order by announced_on) as revision_no,
    count(*) over (partition by brand_id, year) as revisions,
    lead(announced_on) over (partition by brand_id, year order by announced_on) as superseded_on
from picked;

-- Market statistics are picked per metric, not per row: sources carry different subsets of columns,
-- and a row with fewer columns must not hide another source's figures. For each market × year × metric:
-- full_year beats partial_year beats projection, then confidence, reliability, later as_of, source_id.
create view v_market_metrics as
with long as (
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'new_ev_sales' as metric, new_ev_sales::double as value
    from market_stats where new_ev_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'bev_sales' as metric, bev_sales::double as value
    from market_stats where bev_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'total_new_car_sales' as metric, total_new_car_sales::double as value
    from market_stats where total_new_car_sales is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'ev_share_pct' as metric, ev_share_pct::double as value
    from market_stats where ev_share_pct is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'bev_share_pct' as metric, bev_share_pct::double as value
    from market_stats where bev_share_pct is not null
    union all
    select market_code, year, period_scope, scope_note, source_id, as_of, confidence, 'suv_share_pct' as metric, suv_share_pct::double as value
    from market_stats where suv_share_pct is not null
),
ranked as (
    select
        l.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by l.market_code, l.year, l.metric
            order by case l.period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end,
                confidence_rank(l.confidence), reliability_rank(s.reliability), l.as_of desc, l.source_id
        ) as pick_rank,
        count(*) over (partition by l.market_code, l.year, l.metric) - 1 as alternatives
    from long as l
    join sources as s using (source_id)
)
select * exclude (pick_rank) from ranked where pick_rank = 1;

-- One row per market × year: each metric's picked value with its own confidence, source, as-of and
-- period scope; plus summaries (worst confidence, least complete period scope, all sources, scope notes).
create view v_market_stats as
select
    market_code,
    year,
    max(value) filter (where metric = 'new_ev_sales')::bigint as new_ev_sales,
    max(value) filter (where metric = 'bev_sales')::bigint as bev_sales,
    max(value) filter (where metric = 'total_new_car_sales')::bigint as total_new_car_sales,
    max(value) filter (where metric = 'ev_share_pct')::double as ev_share_pct,
    max(value) filter (where metric = 'bev_share_pct')::double as bev_share_pct,
    max(value) filter (where metric = 'suv_share_pct')::double as suv_share_pct,
    max(confidence::varchar) filter (where metric = 'new_ev_sales') as new_ev_sales_confidence,
    max(source_url) filter (where metric = 'new_ev_sales') as new_ev_sales_source_url,
    max(as_of) filter (where metric = 'new_ev_sales') as new_ev_sales_as_of,
    max(period_scope) filter (where metric = 'new_ev_sales') as new_ev_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'bev_sales') as bev_sales_confidence,
    max(source_url) filter (where metric = 'bev_sales') as bev_sales_source_url,
    max(as_of) filter (where metric = 'bev_sales') as bev_sales_as_of,
    max(period_scope) filter (where metric = 'bev_sales') as bev_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'total_new_car_sales') as total_new_car_sales_confidence,
    max(source_url) filter (where metric = 'total_new_car_sales') as total_new_car_sales_source_url,
    max(as_of) filter (where metric = 'total_new_car_sales') as total_new_car_sales_as_of,
    max(period_scope) filter (where metric = 'total_new_car_sales') as total_new_car_sales_period_scope,
    max(confidence::varchar) filter (where metric = 'ev_share_pct') as ev_share_pct_confidence,
    max(source_url) filter (where metric = 'ev_share_pct') as ev_share_pct_source_url,
    max(as_of) filter (where metric = 'ev_share_pct') as ev_share_pct_as_of,
    max(period_scope) filter (where metric = 'ev_share_pct') as ev_share_pct_period_scope,
    max(confidence::varchar) filter (where metric = 'bev_share_pct') as bev_share_pct_confidence,
    max(source_url) filter (where metric = 'bev_share_pct') as bev_share_pct_source_url,
    max(as_of) filter (where metric = 'bev_share_pct') as bev_share_pct_as_of,
    max(period_scope) filter (where metric = 'bev_share_pct') as bev_share_pct_period_scope,
    max(confidence::varchar) filter (where metric = 'suv_share_pct') as suv_share_pct_confidence,
    max(source_url) filter (where metric = 'suv_share_pct') as suv_share_pct_source_url,
    max(as_of) filter (where metric = 'suv_share_pct') as suv_share_pct_as_of,
    max(period_scope) filter (where metric = 'suv_share_pct') as suv_share_pct_period_scope,
    case max(confidence_rank(confidence)) when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end
        as confidence,
    case max(case period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end)
        when 1 then 'full_year' when 2 then 'partial_year' else 'projection' end as period_scope,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    max(as_of) as as_of,
    string_agg(distinct scope_note, ' ; ' order by scope_note) as scope_note
from v_market_metrics
group by market_code, year;

-- Which tariff markets reach a country: the country itself and every group it belongs to (EU27 duties
-- reach every member). One row per (tariff market, country).
create view v_market_membership as
select market_code as group_code, market_code as iso3 from markets where kind = 'country'
union all
select group_code, member_iso3 from market_group_members;

-- The import-duty lines that apply to a brand's cars of one powertrain in each country on a date
-- (one row per country × tariff line; the single home of this rule, used by tariff_burden.sql and
-- expansion_country_tariffs.sql). A line applies when:
--   * its market is the country, or a market group the country belongs to;
--   * its origin is where the brand builds cars of that powertrain (models.production_country; the brand's
--     home market if it has no such model), and the country is not that origin;
--   * applies_to is 'all' or the brand's tariffs company (brands.tariff_company);
--   * powertrain is 'all' or the given one;
--   * it was in force on the date: effective_from <= date <= effective_to (effective_to is the last day),
--     any status but 'proposed' (a superseded or provisional rate did apply inside its dates).
create macro brand_tariff_lines(p_brand, p_on_date, p_powertrain) as table
with brand as (
    select * from brands where brand_id = p_brand
),
origins as (
    select distinct production_country as origin_iso3
    from models
    where brand_id = p_brand and powertrain = p_powertrain
    union
    select home_market from brand
    where not exists (select 1 from models where brand_id = p_brand and powertrain = p_powertrain)
)
select m.iso3, t.*, s.url as source_url
from tariffs as t
join v_market_membership as m on m.group_code = t.market_code
join sources as s using (source_id)
cross join brand as b
where t.origin_iso3 in (select origin_iso3 from origins)
    and t.origin_iso3 <> m.iso3
    and (t.applies_to = 'all' or t.applies_to = b.tariff_company)
    and t.powertrain in ('all', p_powertrain)
    and t.status <> 'proposed'
    and t.effective_from <= p_on_date
    and (t.effective_to is null or p_on_date <= t.effective_to);

-- Every figure's as-of date, for "data as of".
create view v_figure_as_of as
select as_of from deliveries_monthly
union all select as_of from delivery_totals
union all select as_of from targets
union all select as_of from market_stats
union all select as_of from prices
union all select as_of from tariffs
union all select as_of from fx_rates
union all select as_of from expansion_status
union all select as_of from events;

-- >>> registrations aggregates
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
-- <<< registrations aggregates
