-- grain: one row per published brand/model/market registration total (brand_registrations row), with the brand's share of the market where a market total for the same months exists
-- params: markets (varchar[]; empty = every market)
select
    b.market_code,
    m.name as market_name,
    b.period_label,
    b.month_from,
    b.month_to,
    b.subject_kind,
    b.subject,
    b.brand_id,
    b.units,
    b.qualifier,
    case when b.subject_kind <> 'market' and t.units > 0 and b.units is not null
        then round(100.0 * b.units / t.units, 1) end as share_pct,
    b.scope_note,
    b.confidence::varchar as confidence,
    b.as_of,
    s.url as source_url
from brand_registrations as b
join markets as m using (market_code)
join sources as s using (source_id)
left join brand_registrations as t
    on t.market_code = b.market_code and t.subject_kind = 'market'
    and t.month_from = b.month_from and t.month_to = b.month_to
where len($markets::varchar[]) = 0 or b.market_code in (select unnest($markets::varchar[]))
order by b.market_code, b.month_to desc, b.subject_kind, b.subject
