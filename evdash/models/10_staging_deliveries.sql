-- Staging: one view per source table (deliveries_monthly, delivery_totals, targets) that applies the
-- picking rule (`pick_order` in 00_macros.sql) and nothing else: one picked figure per key, with its
-- source's url/publisher/reliability and how many other versions exist (alternatives > 0 means
-- sources disagree or were revised). Marts (2x_marts_deliveries*.sql) read these, never the tables.

-- grain: one row per (brand, model or brand total, market, month).
create view v_deliveries_monthly as
with versions as (
    select
        d.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        max(d.units) filter (where d.confidence = 'lower_bound') over k as floor_units,
        count(*) over k - 1 as alternatives
    from deliveries_monthly as d
    join sources as s using (source_id)
    -- A withdrawal row never counts, nor any figure of the same source and key published on or before
    -- the newest withdrawal (a figure published after it counts again).
    where not coalesce(d.withdrawn, false)
        and not exists (
            select 1 from deliveries_monthly as w
            where w.withdrawn and w.brand_id = d.brand_id and coalesce(w.model_id, '') = coalesce(d.model_id, '')
                and w.market_code = d.market_code and w.month = d.month and w.source_id = d.source_id
                and w.as_of >= d.as_of
        )
    window k as (partition by d.brand_id, coalesce(d.model_id, ''), d.market_code, d.month)
)
select * exclude (floor_units, preferred, withdrawn)
from versions
qualify row_number() over (
    partition by brand_id, coalesce(model_id, ''), market_code, month
    order by pick_order(preferred, confidence, units, floor_units, reliability, as_of, source_id)
) = 1;

-- grain: one row per (brand, model or brand total, scope, period kind, period start, period end).
create view v_delivery_totals as
with versions as (
    select
        t.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        max(t.units) filter (where t.confidence = 'lower_bound') over k as floor_units,
        count(*) over k - 1 as alternatives
    from delivery_totals as t
    join sources as s using (source_id)
    window k as (
        partition by t.brand_id, coalesce(t.model_id, ''), t.scope, t.period_kind, t.period_start, t.period_end
    )
)
select * exclude (floor_units)
from versions
qualify row_number() over (
    partition by brand_id, coalesce(model_id, ''), scope, period_kind, period_start, period_end
    order by pick_order(false, confidence, units, floor_units, reliability, as_of, source_id)
) = 1;

-- grain: one row per (brand, year, issuer, announcement date): a company's target as announced that
-- day, or an analyst's forecast. Only issuer = 'company' rows are targets (v_target_path).
create view v_targets as
with versions as (
    select
        t.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        max(t.target_units) filter (where t.confidence = 'lower_bound') over k as floor_units,
        count(*) over k - 1 as alternatives
    from targets as t
    join sources as s using (source_id)
    window k as (partition by t.brand_id, t.year, t.issuer, t.announced_on)
)
select * exclude (floor_units)
from versions
qualify row_number() over (
    partition by brand_id, year, issuer, announced_on
    order by pick_order(false, confidence, target_units, floor_units, reliability, as_of, source_id)
) = 1;
