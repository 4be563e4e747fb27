-- grain: one row per market × period × brand or origin group with a published registration total and a total of all new cars for the same period
-- params: markets (varchar[])
-- share_pct = the subject's units / all new cars in the same market and period: the market total published
-- beside it (brand_registrations), else, for a calendar year, the market's total new-car sales of that year
-- (v_market_measures). market_source_url says which.
with totals as (
    select market_code, month_from, month_to, units as market_units, s.url as market_source_url
    from brand_registrations
    join sources as s using (source_id)
    where subject_kind = 'market' and units > 0
)
select
    b.market_code,
    b.period_label,
    b.month_from,
    b.month_to,
    b.subject_kind,
    b.subject,
    b.units,
    coalesce(t.market_units, y.value)::bigint as market_units,
    100.0 * b.units / coalesce(t.market_units, y.value) as share_pct,
    b.confidence::varchar as confidence,
    s.url as source_url,
    coalesce(t.market_source_url, y.source_url) as market_source_url,
    'new cars' as share_of
from brand_registrations as b
join sources as s on s.source_id = b.source_id
left join totals as t
    on t.market_code = b.market_code and t.month_from = b.month_from and t.month_to = b.month_to
left join v_market_measures as y
    on y.market_code = b.market_code and y.metric = 'total_new_car_sales' and y.period_scope = 'full_year'
    and y.year = year(b.month_from) and month(b.month_from) = 1 and b.month_to = make_date(y.year, 12, 1)
where b.subject_kind in ('brand', 'origin_group') and b.units is not null
    and coalesce(t.market_units, y.value) > 0
    and b.market_code in (select unnest($markets))
order by b.market_code, b.month_to desc, b.units desc
