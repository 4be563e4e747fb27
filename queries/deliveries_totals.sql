-- grain: one row per reported brand-level delivery total inside the year (quarter, year, year-to-date, month, and cumulative-since-launch milestones that start in the year), beside the sum of the monthly figures over the same whole months
-- params: brand (varchar), year (integer)
-- months_units sums the months that end on or before period_end (a total to 13 Nov is compared with
-- the months to October). gap_units = reported − sum of months (positive: the months undercount, e.g.
-- "over N" floors or missing months). from_year_start: the total counts every delivery of the year so
-- far (it starts on 1 Jan, or it is a cumulative figure and the brand has no earlier month that year).
with totals as (
    select *
    from v_delivery_totals
    where brand_id = $brand and model_id is null and scope = 'all'
        and period_kind in ('quarter', 'year', 'ytd', 'month', 'cumulative')
        and year(period_start) = $year and year(period_end) = $year
),
months as (
    select * from v_brand_month where brand_id = $brand and year(month) = $year
),
joined as (
    select
        t.row_id,
        t.period_kind,
        t.period_start,
        t.period_end,
        t.units as reported_units,
        t.confidence::varchar as reported_confidence,
        t.confidence = 'lower_bound' as reported_is_at_least,
        t.period_start = make_date($year, 1, 1) or (
            t.period_kind = 'cumulative'
            and not exists (select 1 from months as e where e.month < date_trunc('month', t.period_start))
        ) as from_year_start,
        sum(m.units)::bigint as months_units,
        count(m.month) as months_with_data,
        date_diff('month', date_trunc('month', t.period_start), date_trunc('month', t.period_end + 1)) as months_expected,
        coalesce(bool_or(m.has_lower_bound), false) as months_is_at_least,
        coalesce(bool_or(m.has_estimate), false) as months_has_estimate,
        t.publisher,
        t.source_url,
        t.as_of,
        t.alternatives,
        t.note
    from totals as t
    left join months as m
        on m.month >= date_trunc('month', t.period_start) and m.month + interval 1 month <= t.period_end + 1
    group by all
)
select
    * exclude (row_id, publisher, source_url, as_of, alternatives, note),
    reported_units - coalesce(months_units, 0) as gap_units,
    publisher,
    source_url,
    as_of,
    alternatives,
    note
from joined
order by period_end, period_start desc
