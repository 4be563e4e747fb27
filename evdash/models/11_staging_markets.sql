-- Staging: market statistics, one picked value per market × year × metric.

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
