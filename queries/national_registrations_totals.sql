-- grain: one row per month × powertrain scope ('BEV', 'all') of the market in the year: the whole market's new registrations as a national registration office publishes them (v_national_registrations), with the BEV share where both scopes have a figure
-- params: market (varchar), year (integer)
with totals as (
    select *
    from v_national_registrations
    where market_code = $market and year(month) = $year and subject_kind = 'market'
)
select
    t.month,
    t.powertrain,
    t.units,
    case when t.powertrain = 'BEV' and a.units > 0 then round(100.0 * t.units / a.units, 1) end as bev_share_pct,
    t.qualifier,
    t.confidence::varchar as confidence,
    t.as_of,
    t.scope_note,
    t.publisher,
    t.source_url,
    t.note
from totals as t
left join totals as a on a.month = t.month and a.powertrain = 'all'
order by t.month, t.powertrain
