-- Marts: a brand's deliveries in a year so far, the year, and since its first figure — the one rule for
-- "how many did the brand deliver", used by the Overview, the Deliveries KPIs, the peers charts and
-- every export of them. Reads the brand × month mart and staging (period totals, target path).
-- Materialised as tables at build time like 20_marts_deliveries.sql (refreshed after an import replay).
--
-- The rule ("best-informed figure"): a year's deliveries counting the months up to month M are assembled
-- from blocks of whole calendar months — monthly figures (v_brand_month) and the company's own totals
-- (a year, a year-to-date from 1 Jan, a calendar quarter). Three assemblies are compared:
--   'ytd'      the company total from 1 Jan reaching furthest (by M), then the reported quarters after
--              it, then the monthly figures of the months after those;
--   'quarters' every reported quarter (by M), and the monthly figures of the months outside them;
--   'months'   the monthly figures alone;
-- and the best-informed one is used (best_informed_order in 00_macros.sql: furthest through date, then
-- the most months covered, then the more certain, then the larger). A company total counts as its
-- months at their average (the split between its months is not known): what the run rate reads.
-- Scopes: 'all' (every vehicle), 'NEV' and 'BEV' (a brand that reports only NEV or BEV totals). Monthly
-- figures are all-vehicle figures, so only 'all' uses them. The headline scope of a brand × year is the
-- widest scope that has a figure (all > NEV > BEV), else 'all'.

-- grain: one row per block: a figure covering whole calendar months first_month..last_month of one year.
-- invariants: 1 <= first_month <= last_month <= 12; scope in ('all', 'NEV', 'BEV'); block_kind in
-- ('month', 'quarter', 'ytd', 'year').
create or replace table v_delivery_blocks as
select
    brand_id,
    'all' as scope,
    year(month) as year,
    month(month) as first_month,
    month(month) as last_month,
    'month' as block_kind,
    units,
    confidence,
    is_at_least,
    coverage = 'complete' as is_complete,
    coverage_note,
    source_url,
    as_of,
    strftime(month, '%b') as label
from v_brand_month
union all by name
select
    brand_id,
    scope,
    year(period_start) as year,
    month(period_start) as first_month,
    month(period_end) as last_month,
    period_kind as block_kind,
    units,
    confidence::varchar as confidence,
    is_floor(confidence, qualifier) as is_at_least,
    true as is_complete,
    null as coverage_note,
    source_url,
    as_of,
    case period_kind
        when 'year' then 'year total'
        when 'quarter' then 'Q' || quarter(period_start)
        else strftime(period_start, '%b') || '–' || strftime(period_end, '%b') || ' total'
    end as label
from v_delivery_totals
where model_id is null and scope in ('all', 'NEV', 'BEV')
    and day(period_start) = 1 and period_end = last_day(period_end) and year(period_start) = year(period_end)
    and (
        (period_kind = 'year' and month(period_start) = 1 and month(period_end) = 12)
        or (period_kind = 'ytd' and month(period_start) = 1)
        or (period_kind = 'quarter' and month(period_start) in (1, 4, 7, 10)
            and month(period_end) = month(period_start) + 2)
    );

-- grain: one row per brand: the first month the brand is known to have sold cars for the whole month (the
-- first full month after a model went on sale, or its first monthly figure; else the start of its first
-- period total). Months before it are not missing months (a launch on 28 March leaves March empty).
create or replace table v_brand_start as
with evidence as (
    select brand_id, (date_trunc('month', on_sale_from - 1) + interval 1 month)::date as since, true as is_sales
    from v_models_on_sale
    where on_sale_from is not null
    union all
    select brand_id, make_date(year, first_month, 1), block_kind = 'month' from v_delivery_blocks
)
select
    brand_id,
    coalesce(min(since) filter (where is_sales), min(since))::date as first_month
from evidence
group by brand_id;

-- grain: one row per brand × scope × year × through_month (1–12) for every brand × scope × year with a
-- block, and brand × 'all' × year for a year with a company target but no figure: the cut-offs the
-- year-so-far rule runs at.
create or replace table v_brand_ytd_cutoffs as
with figures as (
    select distinct brand_id, scope, year from v_delivery_blocks
),
keys as (
    select * from figures
    union
    select distinct t.brand_id, 'all', t.year
    from v_target_path as t
    anti join figures as f using (brand_id, year)
)
select k.*, m.through_month
from keys as k
cross join (select unnest(range(1, 13)) as through_month) as m;

-- grain: one row per block of each assembly of each brand × scope × year × through_month (1–12): the
-- blocks the three assemblies of the rule are made of (candidate, candidate_no = preference on a tie).
create or replace table v_brand_ytd_blocks as
with cutoffs as (
    select * from v_brand_ytd_cutoffs
),
anchors as (
    select c.brand_id, c.scope, c.year, c.through_month, b.* exclude (brand_id, scope, year)
    from cutoffs as c
    join v_delivery_blocks as b using (brand_id, scope, year)
    where b.block_kind in ('year', 'ytd') and b.last_month <= c.through_month
    qualify row_number() over (
        partition by c.brand_id, c.scope, c.year, c.through_month
        order by best_informed_order(
            last_day(make_date(c.year, b.last_month, 1)), b.last_month - b.first_month + 1, b.confidence,
            case when b.confidence = 'reported' then 0 else b.last_month - b.first_month + 1 end, b.units
        )
    ) = 1
),
quarters as (
    select c.brand_id, c.scope, c.year, c.through_month, b.* exclude (brand_id, scope, year)
    from cutoffs as c
    join v_delivery_blocks as b using (brand_id, scope, year)
    where b.block_kind = 'quarter' and b.last_month <= c.through_month
),
months as (
    select c.brand_id, c.scope, c.year, c.through_month, b.* exclude (brand_id, scope, year)
    from cutoffs as c
    join v_delivery_blocks as b using (brand_id, scope, year)
    where b.block_kind = 'month' and b.last_month <= c.through_month
),
ytd as (
    select 'ytd' as candidate, 1 as candidate_no, a.* from anchors as a
    union all by name
    select 'ytd' as candidate, 1 as candidate_no, q.*
    from quarters as q
    join anchors as a using (brand_id, scope, year, through_month)
    where q.first_month > a.last_month
    union all by name
    select 'ytd' as candidate, 1 as candidate_no, m.*
    from months as m
    join anchors as a using (brand_id, scope, year, through_month)
    where m.first_month > a.last_month
        and not exists (
            select 1 from quarters as q
            where q.brand_id = m.brand_id and q.scope = m.scope and q.year = m.year
                and q.through_month = m.through_month and q.first_month > a.last_month
                and m.first_month between q.first_month and q.last_month
        )
),
by_quarters as (
    select 'quarters' as candidate, 2 as candidate_no, q.* from quarters as q
    union all by name
    select 'quarters' as candidate, 2 as candidate_no, m.*
    from months as m
    where not exists (
        select 1 from quarters as q
        where q.brand_id = m.brand_id and q.scope = m.scope and q.year = m.year
            and q.through_month = m.through_month and m.first_month between q.first_month and q.last_month
    )
),
by_months as (
    select 'months' as candidate, 3 as candidate_no, m.* from months as m
)
select * from ytd
union all by name
select * from by_quarters
union all by name
select * from by_months;

-- grain: one row per assembly (candidate) of each brand × scope × year × through_month: its total, reach,
-- confidence and blocks; is_chosen marks the best-informed one (best_informed_order, then candidate_no).
-- invariants: exactly one is_chosen row per brand × scope × year × through_month.
create or replace table v_brand_ytd_candidates as
select
    brand_id, scope, year, through_month, candidate, candidate_no,
    sum(units)::bigint as delivered_units,
    max(last_month) as last_month,
    sum(last_month - first_month + 1)::integer as months_covered,
    worst_confidence(confidence) as delivered_confidence,
    bool_or(is_at_least) as any_at_least,
    not bool_and(is_complete) as is_partial,
    string_agg(distinct coverage_note, '; ' order by coverage_note) as coverage_note,
    case
        when bool_or(block_kind = 'year') then 'annual_total'
        when bool_or(block_kind = 'ytd') then 'year_to_date'
        when bool_or(block_kind = 'quarter') then 'quarters'
        else 'months'
    end as delivered_basis,
    string_agg(label, ' + ' order by first_month) as delivered_detail,
    string_agg(distinct source_url, ' ; ' order by source_url) as delivered_source,
    max(as_of) as delivered_as_of,
    row_number() over (
        partition by brand_id, scope, year, through_month
        order by
            best_informed_order(
                last_day(make_date(year, max(last_month), 1)),
                sum(last_month - first_month + 1),
                worst_confidence(confidence),
                sum(last_month - first_month + 1) filter (where confidence <> 'reported'),
                sum(units)
            ),
            candidate_no
    ) = 1 as is_chosen
from v_brand_ytd_blocks
group by brand_id, scope, year, through_month, candidate, candidate_no;

-- grain: one row per cut-off of v_brand_ytd_cutoffs (brand × scope × year × through_month): the
-- best-informed delivered figure counting the months up to through_month (null when nothing is known by
-- then), beside the target in force at that month's end.
--   delivered_through: the last day the figure covers; months_covered: months inside the figure;
--   months_missing: months between the brand's start (or 1 Jan) and delivered_through without a figure.
--   delivered_is_at_least: an "over N" is in it, or part of the brand (a market, a model) or a month is
--   missing (the figure is then a floor). delivered_coverage: 'partial' when a market or model is missing.
--   delivered_basis: 'annual_total' | 'year_to_date' | 'quarters' | 'months' (the widest company block
--   used); delivered_detail lists the blocks ("Mar + Q2 + Jul + Aug").
--   target_*: the latest company target announced by the end of through_month (revisions_so_far of
--   target_revisions); original_target_units = the first revision.
--   attainment_pct = delivered ÷ target in force; attainment_kind: 'exact', 'estimate', 'at_least'
--   (delivered is a floor), 'at_most' (the target is "over N"), 'ratio_of_lower_bounds' (both are).
--   is_headline: this scope is the brand × year's headline scope (one per brand × year).
-- invariants: (brand_id, scope, year, through_month) unique; delivered_units >= 0; months_covered <=
-- through_month; delivered_through <= the end of through_month; exactly one headline scope per brand ×
-- year; for a fixed brand × scope × year, delivered_through never moves back as through_month grows.
create or replace table v_brand_ytd as
with best as (
    select * from v_brand_ytd_candidates where is_chosen
),
cutoffs as (
    select * from v_brand_ytd_cutoffs
),
observed as (
    select
        c.brand_id, c.scope, c.year, c.through_month,
        sum(m.units)::bigint as months_units,
        count(m.month)::integer as months_with_data
    from cutoffs as c
    left join v_brand_month as m
        on c.scope = 'all' and m.brand_id = c.brand_id and year(m.month) = c.year
        and month(m.month) <= c.through_month
    group by all
),
in_force as (
    select c.brand_id, c.scope, c.year, c.through_month, t.* exclude (brand_id, year)
    from cutoffs as c
    join v_target_path as t
        on t.brand_id = c.brand_id and t.year = c.year
        and t.announced_on <= last_day(make_date(c.year, c.through_month, 1))
    qualify row_number() over (
        partition by c.brand_id, c.scope, c.year, c.through_month order by t.revision_no desc
    ) = 1
),
first_target as (
    select brand_id, year, target_units as original_target_units, revisions
    from v_target_path
    where revision_no = 1
),
joined as (
    select
        c.brand_id,
        c.scope,
        c.year,
        c.through_month,
        b.delivered_units,
        case when b.last_month is not null then last_day(make_date(c.year, b.last_month, 1)) end
            as delivered_through,
        b.months_covered,
        case
            when b.last_month is null then null
            else greatest(
                b.last_month - greatest(
                    case when year(s.first_month) = c.year then month(s.first_month)
                        when year(s.first_month) > c.year then 13 else 1 end, 1
                ) + 1 - b.months_covered, 0
            )
        end::integer as months_missing,
        b.delivered_confidence,
        b.any_at_least,
        b.is_partial,
        b.coverage_note,
        b.delivered_basis,
        b.delivered_detail,
        b.delivered_source,
        b.delivered_as_of,
        o.months_units,
        coalesce(o.months_with_data, 0) as months_with_data,
        t.target_units,
        t.confidence::varchar as target_confidence,
        t.confidence = 'lower_bound' as target_is_at_least,
        t.announced_on as target_announced_on,
        t.source_url as target_source,
        coalesce(t.revision_no, 0) as revisions_so_far,
        coalesce(f.revisions, 0) as target_revisions,
        f.original_target_units
    from cutoffs as c
    left join best as b using (brand_id, scope, year, through_month)
    left join observed as o using (brand_id, scope, year, through_month)
    left join in_force as t using (brand_id, scope, year, through_month)
    left join first_target as f on f.brand_id = c.brand_id and f.year = c.year
    left join v_brand_start as s on s.brand_id = c.brand_id
),
headline as (
    select brand_id, year, arg_min(scope, struct_pack(
        no_figure := delivered_units is null,
        width := case scope when 'all' then 1 when 'NEV' then 2 else 3 end
    )) as headline_scope
    from joined
    where through_month = 12
    group by brand_id, year
)
select
    j.* exclude (any_at_least, is_partial),
    coalesce(j.any_at_least or j.is_partial or j.months_missing > 0, false) as delivered_is_at_least,
    case when j.delivered_units is null then null when j.is_partial then 'partial' else 'complete' end
        as delivered_coverage,
    case j.delivered_basis
        when 'annual_total' then 'company annual total'
        when 'year_to_date' then 'reported year-to-date'
        when 'quarters' then 'reported quarters'
        when 'months' then 'sum of months'
    end as delivered_basis_label,
    round(100.0 * j.delivered_units / j.target_units, 1) as attainment_pct,
    round(100.0 * j.delivered_units / j.original_target_units, 1) as attainment_original_pct,
    case
        when j.delivered_units is null or j.target_units is null then null
        when coalesce(j.any_at_least or j.is_partial or j.months_missing > 0, false) and j.target_is_at_least
            then 'ratio_of_lower_bounds'
        when coalesce(j.any_at_least or j.is_partial or j.months_missing > 0, false) then 'at_least'
        when j.target_is_at_least then 'at_most'
        when j.delivered_confidence = 'estimate' or j.target_confidence = 'estimate' then 'estimate'
        else 'exact'
    end as attainment_kind,
    j.scope = h.headline_scope as is_headline
from joined as j
join headline as h using (brand_id, year);

-- grain: one row per month inside the figure of each v_brand_ytd row (brand × scope × year ×
-- through_month × month_no): the month's figure, or its company block's average (units ÷ months of the
-- block) where a quarter or year-to-date total covers it. What the run rate of the projection averages.
-- invariants: (brand_id, scope, year, through_month, month_no) unique; the units of a v_brand_ytd row's
-- months sum to its delivered_units (up to rounding of the averages).
create or replace table v_brand_ytd_months as
with chosen as (
    select b.*
    from v_brand_ytd_blocks as b
    join v_brand_ytd_candidates as c using (brand_id, scope, year, through_month, candidate)
    where c.is_chosen
)
select
    brand_id,
    scope,
    year,
    through_month,
    unnest(range(first_month, last_month + 1)) as month_no,
    units / (last_month - first_month + 1) as units,
    block_kind,
    label as block_label,
    last_month > first_month as is_average,
    confidence,
    is_at_least,
    source_url,
    as_of
from chosen;

-- grain: one row per brand × scope × year: the year's figure (v_brand_ytd counting all 12 months) with
-- the final and original company targets. reported_total_units: the company's annual total of this scope,
-- if any, beside the figure (it is the figure unless a more certain or later-reaching one exists).
-- is_whole_year: the figure covers the whole calendar year (through 31 Dec) and the whole brand (no
-- market or model missing). Only such a figure is drawn as a year beside other brands' years (the peers
-- chart): Tesla's "2026" of one month of China retail, or a year to 31 Mar, is not a year.
-- counted_in / counted_in_name: the brand (group) whose figures already include this brand's
-- (brands.counted_in): Zeekr and Lynk & Co are inside Geely Auto, so their figures are never added to it.
-- invariants: (brand_id, scope, year) unique; one is_headline row per brand × year; the final target is
-- the last revision (a target revised after its year ends would break "in force on 31 Dec = final").
create or replace table v_brand_year as
select
    y.* exclude (through_month, target_units, revisions_so_far, attainment_pct),
    y.target_units as final_target_units,
    y.attainment_pct,
    a.units as reported_total_units,
    coalesce(
        y.delivered_through = make_date(y.year, 12, 31) and y.delivered_coverage = 'complete', false
    ) as is_whole_year,
    b.counted_in,
    p.name as counted_in_name
from v_brand_ytd as y
left join v_delivery_blocks as a
    on a.brand_id = y.brand_id and a.scope = y.scope and a.year = y.year and a.block_kind = 'year'
join brands as b on b.brand_id = y.brand_id
left join brands as p on p.brand_id = b.counted_in
where y.through_month = 12;

-- grain: one row per brand with a figure: deliveries since the brand's first figure, by the same order as
-- the years — the best-informed of (a) the sum of the yearly figures of one scope (the latest year's
-- headline scope) and (b) each company cumulative milestone ("over 600,000 since launch by 16 Feb").
-- cumulative_since: the first day counted (a sum of years: 1 Jan of its first year, or the month the brand's
-- first model went on sale if later); the sum of years is "at least" when a year in it is, when a
-- year before the last stops before 31 Dec, or when a year in between has no figure.
-- invariants: brand_id unique; cumulative_units >= 0.
create or replace table v_brand_cumulative as
with latest_scope as (
    select brand_id, arg_max(scope, year) as scope
    from v_brand_year
    where is_headline and delivered_units is not null
    group by brand_id
),
years as (
    select y.*, max(y.year) over (partition by y.brand_id) as last_year
    from v_brand_year as y
    join latest_scope as l using (brand_id, scope)
    where y.delivered_units is not null
),
summed as (
    select
        y.brand_id,
        y.scope,
        sum(y.delivered_units)::bigint as units,
        max(y.delivered_through) as through,
        greatest(make_date(min(y.year), 1, 1), coalesce(any_value(s.first_on_sale), date '1900-01-01')) as since,
        worst_confidence(y.delivered_confidence) as confidence,
        bool_or(y.delivered_is_at_least)
            or bool_or(y.year < y.last_year and y.delivered_through < make_date(y.year, 12, 31))
            or count(*) < max(y.year) - min(y.year) + 1 as is_at_least,
        'sum_of_years' as basis,
        string_agg(y.year || ': ' || y.delivered_detail, ' + ' order by y.year) as detail,
        string_agg(distinct y.delivered_source, ' ; ' order by y.delivered_source) as source,
        max(y.delivered_as_of) as as_of,
        2 as preference
    from years as y
    left join (
        select brand_id, date_trunc('month', min(on_sale_from))::date as first_on_sale
        from v_models_on_sale
        group by brand_id
    ) as s using (brand_id)
    group by y.brand_id, y.scope
),
milestones as (
    select
        brand_id,
        scope,
        units::bigint as units,
        period_end as through,
        period_start as since,
        confidence::varchar as confidence,
        is_floor(confidence, qualifier) as is_at_least,
        'company_milestone' as basis,
        'company cumulative figure' as detail,
        source_url as source,
        as_of,
        1 as preference
    from v_delivery_totals
    where model_id is null and period_kind = 'cumulative' and scope in ('all', 'NEV', 'BEV')
)
select
    brand_id,
    scope,
    units as cumulative_units,
    since as cumulative_since,
    through as cumulative_through,
    confidence as cumulative_confidence,
    is_at_least as cumulative_is_at_least,
    basis as cumulative_basis,
    detail as cumulative_detail,
    source as cumulative_source,
    as_of as cumulative_as_of
from (select * from summed union all by name select * from milestones)
qualify row_number() over (
    partition by brand_id order by best_informed_order(through, null, confidence, null, units), preference
) = 1;

-- grain: one row per company total of a brand (brand × scope × period kind × period; quarters, years,
-- years-to-date, months and cumulative figures), beside the sum of the monthly figures over the same
-- whole months (scope 'all' only; a total to 13 Nov is compared with the months to October).
-- gap_units = reported − sum of months (positive: the months undercount). from_year_start: the total
-- counts every delivery of its year so far (it starts on 1 Jan, or it is a cumulative figure and the
-- brand has no earlier month that year). invariants: (brand_id, scope, period_kind, period_start,
-- period_end) unique.
create or replace table v_brand_period_totals as
with totals as (
    select *
    from v_delivery_totals
    where model_id is null and period_kind in ('quarter', 'year', 'ytd', 'month', 'cumulative')
),
months as (
    select
        t.row_id,
        sum(m.units)::bigint as months_units,
        count(m.month)::integer as months_with_data,
        coalesce(bool_or(m.is_at_least), false) as months_is_at_least,
        coalesce(bool_or(m.has_estimate), false) as months_has_estimate
    from totals as t
    left join v_brand_month as m
        on t.scope = 'all' and m.brand_id = t.brand_id
        and m.month >= date_trunc('month', t.period_start) and m.month + interval 1 month <= t.period_end + 1
    group by t.row_id
),
first_month_of_year as (
    select brand_id, year(month) as year, min(month) as first_month from v_brand_month group by all
)
select
    t.brand_id,
    t.scope,
    year(t.period_end) as year,
    t.period_kind,
    t.period_start,
    t.period_end,
    t.units as reported_units,
    t.confidence::varchar as reported_confidence,
    is_floor(t.confidence, t.qualifier) as reported_is_at_least,
    year(t.period_start) = year(t.period_end) and (
        t.period_start = make_date(year(t.period_end), 1, 1)
        or (t.period_kind = 'cumulative' and coalesce(f.first_month >= date_trunc('month', t.period_start), true))
    ) as from_year_start,
    case when t.scope = 'all' then m.months_units end as months_units,
    m.months_with_data,
    date_diff('month', date_trunc('month', t.period_start), date_trunc('month', t.period_end + 1))::integer
        as months_expected,
    m.months_is_at_least,
    m.months_has_estimate,
    case when t.scope = 'all' then t.units - coalesce(m.months_units, 0) end as gap_units,
    t.publisher,
    t.source_url,
    t.as_of,
    t.alternatives,
    t.note
from totals as t
join months as m using (row_id)
left join first_month_of_year as f on f.brand_id = t.brand_id and f.year = year(t.period_start);
