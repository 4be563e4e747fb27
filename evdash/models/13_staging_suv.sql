-- Staging: SUV shares with their definitions.

-- Every SUV-share figure with its definition (label, breadth) and source: one row per suv_share row.
create view v_suv_share as
select
    s.*,
    d.label as definition_label,
    d.breadth,
    d.description as definition_description,
    src.url as source_url,
    src.publisher,
    src.reliability
from suv_share as s
join suv_definitions as d using (definition)
join sources as src using (source_id);

-- The headline figure per market × year × measure × definition (never across definitions): full year beats
-- part of a year beats a single month, then confidence, reliability, later as_of, source_id; `alternatives`
-- counts the other figures for the same key. Single months stay in v_suv_share (the chart shows them).
create view v_suv_headline as
select * exclude (pick)
from (
    select
        *,
        row_number() over (
            partition by market_code, year, measure, definition
            order by case period_scope when 'full_year' then 1 when 'partial_year' then 2 else 3 end,
                confidence_rank(confidence), reliability_rank(reliability), as_of desc, source_id
        ) as pick,
        count(*) over (partition by market_code, year, measure, definition) - 1 as alternatives
    from v_suv_share
)
where pick = 1;
