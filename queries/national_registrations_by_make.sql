-- grain: one row per make (or the market's "other makes") registered in the market in the year, as a national registration office publishes it (v_national_registrations, powertrain scope $powertrain): units per month (m01 … m12), the year's units over the months with a figure, share of the market's units in those months, largest first
-- params: market (varchar), year (integer), powertrain (varchar: 'BEV' or 'all')
with picked as (
    select *
    from v_national_registrations
    where market_code = $market and year(month) = $year and powertrain = $powertrain
),
market as (
    select month, units from picked where subject_kind = 'market'
),
makes as (
    select
        p.subject,
        p.brand_id,
        sum(p.units)::bigint as units,
        sum(t.units)::bigint as market_units,
        count(p.units) as months,
        max(p.month) as last_month,
        max(p.qualifier) as qualifier,
        arg_max(p.confidence::varchar, confidence_rank(p.confidence)) as confidence,
        max(p.as_of) as as_of,
        any_value(p.scope_note) as scope_note,
        string_agg(distinct p.publisher, '; ') as publisher,
        string_agg(distinct p.source_url, ' ') as source_url,
        sum(p.units) filter (where month(p.month) = 1)::bigint as m01,
        sum(p.units) filter (where month(p.month) = 2)::bigint as m02,
        sum(p.units) filter (where month(p.month) = 3)::bigint as m03,
        sum(p.units) filter (where month(p.month) = 4)::bigint as m04,
        sum(p.units) filter (where month(p.month) = 5)::bigint as m05,
        sum(p.units) filter (where month(p.month) = 6)::bigint as m06,
        sum(p.units) filter (where month(p.month) = 7)::bigint as m07,
        sum(p.units) filter (where month(p.month) = 8)::bigint as m08,
        sum(p.units) filter (where month(p.month) = 9)::bigint as m09,
        sum(p.units) filter (where month(p.month) = 10)::bigint as m10,
        sum(p.units) filter (where month(p.month) = 11)::bigint as m11,
        sum(p.units) filter (where month(p.month) = 12)::bigint as m12
    from picked as p
    left join market as t on t.month = p.month and p.units is not null
    where p.subject_kind = 'brand'
    group by p.subject, p.brand_id
)
select
    k.subject,
    k.brand_id,
    coalesce(b.name, k.subject) as brand_name,
    k.units,
    round(100.0 * k.units / nullif(k.market_units, 0), 2) as share_pct,
    row_number() over (order by k.units desc nulls last, k.subject) as rank,
    k.months,
    k.m01, k.m02, k.m03, k.m04, k.m05, k.m06, k.m07, k.m08, k.m09, k.m10, k.m11, k.m12,
    k.qualifier,
    k.confidence,
    k.as_of,
    k.scope_note,
    k.publisher,
    k.source_url
from makes as k
left join brands as b using (brand_id)
order by rank
