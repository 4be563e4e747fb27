-- Staging: one picked figure per key for deliveries, delivery totals and targets.

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
