-- Marts: market × year measures.

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
    worst_confidence(confidence) as confidence,
    case max(case period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end)
        when 1 then 'full_year' when 2 then 'partial_year' else 'projection' end as period_scope,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    max(as_of) as as_of,
    string_agg(distinct scope_note, ' ; ' order by scope_note) as scope_note
from v_market_metrics
group by market_code, year;

-- One row per market × year: year-on-year growth of EV sales into `year`, in percent. The one home of the
-- growth rule (the expansion map and the ranking read it): basis EV (BEV + PHEV) sales where both years
-- have a full-year figure, else BEV sales; a partial year or a projection is never compared with a full
-- year, and both years come from one source family (v_market_family_metrics: national/industry figures
-- first, else the IEA's series), never an IEA year against a national one (Turkey showed +811%).
-- Confidence is the weaker of the two figures; as_of the later; both sources are kept.
-- Invariant: unique (market_code, year); prev_value > 0.
create view v_market_growth as
with full_years as (
    select * from v_market_family_metrics
    where metric in ('new_ev_sales', 'bev_sales') and period_scope = 'full_year'
),
pairs as (
    select
        cur.market_code,
        cur.year,
        cur.metric as basis,
        cur.family,
        cur.value,
        prev.value as prev_value,
        confidence_of_rank(greatest(confidence_rank(cur.confidence), confidence_rank(prev.confidence)))
            as confidence,
        greatest(cur.as_of, prev.as_of) as as_of,
        cur.source_id || ';' || prev.source_id as source_id,
        cur.source_url || ' ; ' || prev.source_url as source_url,
        row_number() over (
            partition by cur.market_code, cur.year
            order by case cur.metric when 'new_ev_sales' then 1 else 2 end,
                case cur.family when 'national' then 1 else 2 end
        ) as basis_rank
    from full_years as cur
    join full_years as prev
        on prev.market_code = cur.market_code and prev.metric = cur.metric and prev.family = cur.family
        and prev.year = cur.year - 1
    where prev.value > 0
)
select
    market_code,
    year,
    basis,
    100 * (value / prev_value - 1) as value,
    value as units,
    prev_value as prev_units,
    confidence,
    as_of,
    source_id,
    source_url,
    case basis when 'new_ev_sales' then 'EV (BEV+PHEV) sales' else 'BEV sales' end
        || case family when 'iea' then ' (IEA)' else '' end
        || ' ' || (year - 1)::varchar || ' → ' || year::varchar || ': '
        || prev_value::bigint::varchar || ' → ' || value::bigint::varchar as scope_note
from pairs
where basis_rank = 1;

-- The market × year measures mart: every picked metric of v_market_metrics plus the growth of v_market_growth
-- (metric ev_growth_pct), in one long shape with provenance; `revised_from_value` / `revised_from_as_of`: the
-- earlier edition's figure when a later one revised it. Queries read this, never the staging views.
-- Invariant: unique (market_code, year, metric).
create view v_market_measures as
select
    market_code, year, metric, value, period_scope, scope_note, source_id, source_url, publisher, reliability,
    as_of, confidence::varchar as confidence, alternatives, revised_from_value, revised_from_as_of
from v_market_metrics
union all
select
    g.market_code, g.year, 'ev_growth_pct', g.value, 'full_year', g.scope_note, g.source_id, g.source_url,
    null, null, g.as_of, g.confidence, 0, null, null
from v_market_growth as g;

-- Body-type fit for the ranking, one row per country market × year with an SUV share of all new cars. The rule:
-- the market's own figure on a broad definition (SUVs incl. crossovers and off-roaders; narrow ones such as
-- KBA's 'SUV' segment or SMMT's 'dual purpose' are not comparable across markets), a full year first, then
-- part of a year (never a single month); else, for a country in the ACEA area (EUR), the Europe-wide figure of
-- that year on the same kind of definition as a regional proxy (basis 'regional'), said so wherever shown.
-- Other countries have none (missing, never 0). The ranking picks one basis year from these rows
-- (scoring.pick_basis); v_market_body_fit below is each market's latest, national first.
-- scope_note: the definition and period, and for a proxy that it is the Europe-wide figure.
-- Invariant: unique (market_code, year).
create view v_market_body_fit_years as
with national as (
    select
        h.market_code, h.year, h.value_pct as value, h.period_scope, h.period_label, h.definition,
        h.definition_label, h.qualifier, h.source_id, h.source_url, h.as_of, h.confidence::varchar as confidence,
        'national' as basis,
        row_number() over (
            partition by h.market_code, h.year
            order by case h.period_scope when 'full_year' then 1 else 2 end,
                confidence_rank(h.confidence), h.source_id
        ) as pick
    from v_suv_headline as h
    join markets as k using (market_code)
    where k.kind = 'country' and h.measure = 'new_cars' and h.breadth = 'broad' and h.period_scope <> 'month'
),
regional as (
    select
        h.year, h.value_pct as value, h.period_scope, h.period_label, h.definition, h.definition_label, h.qualifier,
        h.source_id, h.source_url, h.as_of, h.confidence::varchar as confidence,
        row_number() over (
            partition by h.year
            order by case h.period_scope when 'full_year' then 1 else 2 end,
                confidence_rank(h.confidence), h.source_id
        ) as pick
    from v_suv_headline as h
    where h.market_code = 'EUR' and h.measure = 'new_cars' and h.breadth = 'broad' and h.period_scope <> 'month'
)
select * exclude (pick), definition_label || ', ' || period_label as scope_note from national where pick = 1
union all
select
    m.member_iso3, r.year, r.value, r.period_scope, r.period_label, r.definition, r.definition_label, r.qualifier,
    r.source_id, r.source_url, r.as_of, r.confidence, 'regional',
    r.definition_label || ', ' || r.period_label || ' — Europe-wide figure, no national one'
from market_group_members as m
join regional as r on r.pick = 1
where m.group_code = 'EUR'
    and not exists (
        select 1 from national as n where n.pick = 1 and n.market_code = m.member_iso3 and n.year = r.year
    );

-- Body-type fit, one row per country market: its own figure (national) whenever it has one, else the
-- Europe-wide proxy; a full year first, then the latest year (from v_market_body_fit_years, no second rule).
create view v_market_body_fit as
select * exclude (pick)
from (
    select
        *,
        row_number() over (
            partition by market_code
            order by case basis when 'national' then 1 else 2 end,
                case period_scope when 'full_year' then 1 else 2 end, year desc, source_id
        ) as pick
    from v_market_body_fit_years
)
where pick = 1;

-- The ranking's usable figures, one row per country market × measure × year (every year: the ranking takes
-- one basis year per measure, scoring.pick_basis). Units (EV sales, BEV sales) and growth are full years only;
-- shares may come from a partial year; projections never count. Invariant: unique (market_code, year, metric).
-- One row per country market × ranking measure: the latest year that has a value, as picked above (no
-- second pick); SUV share from v_market_body_fit. Units (EV sales, BEV sales) and growth use full years only; shares may come from a
-- partial year; projections never count as the latest figure.
create view v_market_ranking_years as
select m.*
from v_market_measures as m
join markets as k using (market_code)
where k.kind = 'country'
    and m.metric in ('new_ev_sales', 'bev_sales', 'ev_share_pct', 'bev_share_pct', 'ev_growth_pct')
    and m.period_scope <> 'projection'
    and (m.period_scope = 'full_year' or m.metric like '%_pct' and m.metric <> 'ev_growth_pct');

create view v_market_latest as
with usable as (
    select * from v_market_ranking_years
)
select * exclude (recency)
from (
    select *, row_number() over (partition by market_code, metric order by year desc) as recency from usable
)
where recency = 1
union all
-- SUV share of new cars: the body-fit rule above (its basis, national or regional, in scope_note)
select
    b.market_code, b.year, 'suv_share_pct', b.value, b.period_scope, b.scope_note, b.source_id, b.source_url,
    null, null, b.as_of, b.confidence, 0, null, null
from v_market_body_fit as b;
