-- Views layer the raw tables into what queries read.
-- Picking rule among contradicting figures with the same key (data/README.md):
--   1) confidence reported > lower_bound > estimate; 2) source reliability primary > secondary > low;
--   3) later as_of first (a later revision beats an earlier figure); 4) source_id, for determinism.

create macro confidence_rank(c) as case c when 'reported' then 1 when 'lower_bound' then 2 else 3 end;
create macro reliability_rank(r) as case r when 'primary' then 1 when 'secondary' then 2 else 3 end;

-- One row per (brand, model or brand total, market, month): the figure the dashboard uses,
-- plus how many other versions exist (alternatives > 0 means sources disagree or were revised).
create view v_deliveries_monthly as
with ranked as (
    select
        d.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        row_number() over w as pick_rank,
        count(*) over (partition by d.brand_id, coalesce(d.model_id, ''), d.market_code, d.month) - 1
            as alternatives
    from deliveries_monthly as d
    join sources as s using (source_id)
    window w as (
        partition by d.brand_id, coalesce(d.model_id, ''), d.market_code, d.month
        order by confidence_rank(d.confidence), reliability_rank(s.reliability), d.as_of desc, d.source_id
    )
)
select * exclude (pick_rank) from ranked where pick_rank = 1;

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
with ranked as (
    select
        t.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by t.brand_id, coalesce(t.model_id, ''), t.scope, t.period_kind, t.period_start, t.period_end
            order by confidence_rank(t.confidence), reliability_rank(s.reliability), t.as_of desc, t.source_id
        ) as pick_rank
    from delivery_totals as t
    join sources as s using (source_id)
)
select * exclude (pick_rank) from ranked where pick_rank = 1;

-- Company targets as a path of revisions: one row per (brand, year, announcement date).
create view v_target_path as
with ranked as (
    select
        t.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by t.brand_id, t.year, t.announced_on
            order by confidence_rank(t.confidence), reliability_rank(s.reliability), t.as_of desc, t.source_id
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

-- Market statistics, one per (market, year): full-year beats partial-year beats projection, then the rule.
create view v_market_stats as
with ranked as (
    select
        m.*, s.url as source_url, s.publisher, s.reliability,
        row_number() over (
            partition by m.market_code, m.year
            order by case m.period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end,
                confidence_rank(m.confidence), reliability_rank(s.reliability), m.as_of desc, m.source_id
        ) as pick_rank
    from market_stats as m
    join sources as s using (source_id)
)
select * exclude (pick_rank) from ranked where pick_rank = 1;

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
