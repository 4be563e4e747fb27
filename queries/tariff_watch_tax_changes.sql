-- grain: one row per country × rule × date between $date_from and $date_to on which a VAT rate, a VAT relief for $powertrain or a purchase incentive for $powertrain starts or ends (the day after its last day): the value before and after (VAT in %, relief threshold and incentive amount in `currency`; null = none), with source, confidence, as-of and status. Checked "no scheme" rows change nothing and are left out
-- params: powertrain (varchar), date_from (date), date_to (date)
with vat as (
    select
        v.market_code,
        v.effective_from as on_date,
        'vat' as rule_kind,
        'VAT' as rule,
        lag(v.rate_pct) over (partition by v.market_code order by v.effective_from) as value_before,
        v.rate_pct as value_after,
        '%' as unit,
        'in_force' as status,
        s.url as source_url,
        v.confidence::varchar as confidence,
        v.as_of
    from vat_rates as v
    join sources as s using (source_id)
),
reliefs as (
    select
        r.market_code,
        r.effective_from,
        r.effective_to,
        r.exempt_up_to::double as value,
        r.currency,
        r.status,
        s.url as source_url,
        r.confidence::varchar as confidence,
        r.as_of,
        lag(r.exempt_up_to::double) over w as previous,
        lag(r.effective_to) over w as previous_to
    from vat_reliefs as r
    join sources as s using (source_id)
    where r.powertrain = $powertrain
    window w as (partition by r.market_code, r.powertrain order by r.effective_from)
),
relief_moves as (
    -- a threshold starts (replacing the one that ended the day before, if any) ...
    select market_code, effective_from as on_date, 'vat_relief' as rule_kind, 'VAT relief: VAT only above' as rule,
        case when previous_to = effective_from - 1 then previous end as value_before, value as value_after,
        currency as unit, status, source_url, confidence, as_of
    from reliefs
    union all
    -- ... or ends with no successor
    select r.market_code, r.effective_to + 1, 'vat_relief', 'VAT relief: VAT only above', r.value, null,
        r.currency, r.status, r.source_url, r.confidence, r.as_of
    from reliefs as r
    where r.effective_to is not null and not exists (
        select 1 from reliefs as n where n.market_code = r.market_code and n.effective_from = r.effective_to + 1
    )
),
incentives as (
    select
        i.market_code,
        i.scheme,
        i.effective_from,
        i.effective_to,
        i.amount::double as amount,
        i.currency,
        i.status,
        s.url as source_url,
        i.confidence::varchar as confidence,
        i.as_of
    from purchase_incentives as i
    join sources as s using (source_id)
    where i.status <> 'no_scheme' and i.powertrain in ('all', $powertrain)
),
incentive_moves as (
    select market_code, effective_from as on_date, 'incentive' as rule_kind, scheme as rule,
        null::double as value_before, amount as value_after, currency as unit, status, source_url, confidence, as_of
    from incentives
    union all
    select market_code, effective_to + 1, 'incentive', scheme, amount, null, currency, status, source_url,
        confidence, as_of
    from incentives
    where effective_to is not null
),
every_move as (
    -- a market's first VAT row is where the data starts, not a change
    select * from vat where value_before is not null and value_before <> value_after
    union all
    select * from relief_moves
    union all
    select * from incentive_moves
)
select market_code, on_date, rule_kind, rule, value_before, value_after, unit, status, source_url, confidence, as_of
from every_move
where on_date between $date_from and $date_to
order by on_date, market_code, rule_kind, rule
