-- Marts: models on sale, company target paths, model × month and brand × month deliveries.
-- Read staging (10_staging_deliveries.sql) and reference tables only. Each model states its grain and
-- invariants; tests/test_marts_deliveries.py checks them on the fixture and on the real seeds.
-- Materialised as tables when the database is built (they are small and every deliveries page reads
-- them); evdash.build.refresh_models re-runs this file after accepted imports are replayed.

-- grain: one row per model. on_sale_from = the launch date when recorded, else the first evidence that
-- the model was sold: its first delivery figure or its first launch/list price (presale, preorder and
-- expected prices are not sales). Null = not known to be on sale.
-- invariants: model_id unique; on_sale_basis is null exactly when on_sale_from is null.
create or replace table v_models_on_sale as
with delivered as (
    select model_id, month as first_seen from v_deliveries_monthly where model_id is not null
    union all
    select model_id, period_start from v_delivery_totals where model_id is not null
),
first_delivery as (
    select model_id, min(first_seen) as first_delivery from delivered group by model_id
),
priced as (
    select v.model_id, min(p.effective_from) as first_price
    from prices as p
    join variants as v using (variant_id)
    where p.price_type in ('launch', 'list')
    group by v.model_id
)
select
    m.brand_id,
    m.model_id,
    m.name,
    m.powertrain,
    m.body_type,
    m.launch_date,
    d.first_delivery,
    p.first_price,
    coalesce(m.launch_date, least(d.first_delivery, p.first_price)) as on_sale_from,
    case
        when m.launch_date is not null then 'launch date'
        when d.first_delivery is not null and (p.first_price is null or d.first_delivery <= p.first_price)
            then 'first deliveries'
        when p.first_price is not null then 'first launch or list price'
    end as on_sale_basis
from models as m
left join first_delivery as d using (model_id)
left join priced as p using (model_id);

-- grain: one row per company target revision (brand × year × announcement date), analysts excluded.
-- revision_no counts from 1 in announcement order; superseded_on = the next revision's date (null = the
-- final target). invariants: (brand_id, year, revision_no) unique; exactly one final row per brand × year.
create or replace table v_target_path as
select
    *,
    row_number() over (partition by brand_id, year order by announced_on) as revision_no,
    count(*) over (partition by brand_id, year) as revisions,
    lead(announced_on) over (partition by brand_id, year order by announced_on) as superseded_on
from v_targets
where issuer = 'company';

-- grain: one row per brand × model × month (model splits only, all markets summed).
-- confidence = the least certain market figure in the sum; has_lower_bound: an "over N" is in it.
create or replace table v_model_month as
select
    brand_id,
    model_id,
    month,
    sum(units)::bigint as units,
    worst_confidence(confidence) as confidence,
    bool_or(is_floor(confidence, qualifier)) as has_lower_bound,
    bool_or(confidence = 'estimate') as has_estimate,
    string_agg(distinct publisher, '; ' order by publisher) as publisher,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    max(as_of) as as_of,
    sum(alternatives)::bigint as alternatives,
    string_agg(distinct note, ' | ' order by note) as note
from v_deliveries_monthly
where model_id is not null
group by brand_id, model_id, month;

-- grain: one row per brand × month with a figure: the brand's deliveries that month.
-- Per market, the brand total when published, else the sum of its model splits (splits never replace
-- a published total); markets are then summed. A company-wide monthly total (delivery_totals, period
-- kind 'month', scope 'all') is used instead when the per-market figures do not cover the brand or are
-- less certain. basis: 'brand_total' | 'sum_of_models' | 'mixed' (some markets each) | 'company_month_total'.
-- coverage: 'complete', or 'partial' when a market where the brand sold that month (expansion_status
-- home/launched by the month's end) or a model on sale by then (v_models_on_sale) has no figure;
-- coverage_note says what is missing. A partial figure is a floor of the brand's month: is_at_least.
-- confidence = the least certain part (confidence order); has_lower_bound: an "over N" is in it.
-- invariants: (brand_id, month) unique; units >= 0; is_at_least when has_lower_bound or partial;
-- confidence in the confidence order; basis and coverage in their lists.
create or replace table v_brand_month as
with market_rows as (
    select
        *,
        bool_or(model_id is null) over (partition by brand_id, market_code, month) as market_has_total
    from v_deliveries_monthly
),
market_month as (
    select
        brand_id,
        market_code,
        month,
        market_has_total,
        sum(units)::bigint as units,
        list(model_id order by model_id) filter (where model_id is not null) as split_models,
        worst_confidence(confidence) as confidence,
        bool_or(is_floor(confidence, qualifier)) as has_lower_bound,
        bool_or(confidence = 'estimate') as has_estimate,
        list(source_id) as source_ids,
        list(source_url) as source_urls,
        list(publisher) as publishers,
        max(as_of) as as_of,
        sum(alternatives)::bigint as alternatives,
        list(note) filter (where note is not null) as notes
    from market_rows
    where (model_id is null) = market_has_total
    group by brand_id, market_code, month, market_has_total
),
missing_models as (
    select mm.brand_id, mm.month, string_agg(distinct o.name, ', ' order by o.name) as missing_models
    from market_month as mm
    join v_models_on_sale as o on o.brand_id = mm.brand_id and o.on_sale_from <= last_day(mm.month)
    where not mm.market_has_total and not list_contains(mm.split_models, o.model_id)
    group by mm.brand_id, mm.month
),
selling as (
    select brand_id, month, market_code
    from (
        select m.brand_id, m.month, e.market_code, e.status
        from (select distinct brand_id, month from market_month) as m
        join expansion_status as e on e.brand_id = m.brand_id and e.status_date <= last_day(m.month)
        qualify row_number() over (partition by m.brand_id, m.month, e.market_code order by e.status_date desc) = 1
    )
    where status in ('home', 'launched')
),
missing_markets as (
    select s.brand_id, s.month, string_agg(s.market_code, ', ' order by s.market_code) as missing_markets
    from selling as s
    anti join market_month as mm using (brand_id, month, market_code)
    group by s.brand_id, s.month
),
assembled as (
    select
        mm.brand_id,
        mm.month,
        sum(mm.units)::bigint as units,
        case
            when bool_and(mm.market_has_total) then 'brand_total'
            when not bool_or(mm.market_has_total) then 'sum_of_models'
            else 'mixed'
        end as basis,
        worst_confidence(mm.confidence) as confidence,
        bool_or(mm.has_lower_bound) as has_lower_bound,
        bool_or(mm.has_estimate) as has_estimate,
        string_agg(mm.market_code, ', ' order by mm.market_code) as markets,
        list_sort(list_distinct(flatten(list(mm.source_ids)))) as source_ids,
        list_sort(list_distinct(flatten(list(mm.source_urls)))) as source_urls,
        list_sort(list_distinct(flatten(list(mm.publishers)))) as publishers,
        max(mm.as_of) as as_of,
        sum(mm.alternatives)::bigint as alternatives,
        list_sort(list_distinct(flatten(list(mm.notes)))) as notes
    from market_month as mm
    group by mm.brand_id, mm.month
),
candidates as (
    select
        a.* exclude (source_ids, source_urls, publishers, notes),
        array_to_string(a.source_ids, ';') as source_ids,
        array_to_string(a.source_urls, ' ; ') as source_url,
        array_to_string(a.publishers, '; ') as publisher,
        nullif(array_to_string(a.notes, ' | '), '') as note,
        mk.missing_markets,
        mo.missing_models,
        2 as preference
    from assembled as a
    left join missing_markets as mk using (brand_id, month)
    left join missing_models as mo using (brand_id, month)
    union all by name
    select
        brand_id,
        period_start as month,
        units::bigint as units,
        'company_month_total' as basis,
        confidence::varchar as confidence,
        is_floor(confidence, qualifier) as has_lower_bound,
        confidence = 'estimate' as has_estimate,
        'all markets' as markets,
        source_id as source_ids,
        source_url,
        publisher,
        as_of,
        alternatives::bigint as alternatives,
        note,
        null as missing_markets,
        null as missing_models,
        1 as preference
    from v_delivery_totals
    where model_id is null and scope = 'all' and period_kind = 'month'
        and day(period_start) = 1 and period_end = last_day(period_start)
)
select
    brand_id,
    month,
    units,
    basis,
    confidence,
    has_lower_bound,
    has_estimate,
    has_lower_bound or missing_markets is not null or missing_models is not null as is_at_least,
    case when missing_markets is null and missing_models is null then 'complete' else 'partial' end as coverage,
    nullif(concat_ws('; ',
        case when missing_markets is not null then markets || ' only (no figure for ' || missing_markets || ')' end,
        case when missing_models is not null then 'some models only (no figure for ' || missing_models || ')' end
    ), '') as coverage_note,
    markets,
    source_ids,
    source_url,
    publisher,
    as_of,
    alternatives,
    note
from candidates
qualify row_number() over (
    partition by brand_id, month
    order by (missing_markets is null and missing_models is null) desc, confidence_rank(confidence), preference
) = 1;
