-- Marts: market membership and the import duties that apply to a car in a market on a date.
-- The one home of the duty rule: every page and export that shows a duty, a duty burden or a landed
-- price reads these macros (tariff_burden.sql, expansion_country_tariffs.sql, pricing_duties.sql,
-- duty_changes.sql); Python only does the arithmetic on the lines they return.

-- Which tariff markets reach a country: the country itself and every group it belongs to (EU27 duties
-- reach every member). One row per (tariff market, country).
create view v_market_membership as
select market_code as group_code, market_code as iso3 from markets where kind = 'country'
union all
select group_code, member_iso3 from market_group_members;

-- Grain: one row per country × tariff line that reaches it (its own market or a group it belongs to),
-- for imports from another country (a country's duties never apply to its own cars).
create view v_duty_lines as
select m.iso3, t.*, s.url as source_url, confidence_rank(t.confidence) as confidence_rank
from tariffs as t
join v_market_membership as m on m.group_code = t.market_code
join sources as s using (source_id)
where t.origin_iso3 <> m.iso3;

-- Grain: one row per date in p_dates × country × tariff line for a car built in p_origin, of the company
-- class p_class (brands.tariff_company; a user may test another class), of powertrain p_powertrain.
-- (Every macro takes a list of dates, so the change timeline and the one-date pages share one rule.)
-- A line concerns the car when applies_to is 'all' or the class and powertrain is 'all' or the car's.
-- It APPLIES on a date when its status is not 'proposed' (a proposal never bound anyone) and
-- effective_from <= date <= effective_to (effective_to is the last day). Provisional duties apply inside
-- their dates like any other line: the rule is the same everywhere, and the line's status and note
-- say when a provisional duty was not collected in the end (the EU's of July–October 2024).
-- `not_applied_reason` says why a line that concerns the car does not apply on the date.
create macro car_duty_lines_on(p_origin, p_class, p_powertrain, p_dates) as table
select
    d.on_date,
    l.*,
    case
        when l.status = 'proposed' then 'proposed, never in force'
        when l.effective_from > d.on_date then 'in force only from ' || strftime(l.effective_from, '%-d %b %Y')
        when l.effective_to < d.on_date then 'ended ' || strftime(l.effective_to, '%-d %b %Y')
    end as not_applied_reason,
    not_applied_reason is null as applies
from v_duty_lines as l
cross join (select unnest(p_dates::date[]) as on_date) as d
where l.origin_iso3 = p_origin
    and l.applies_to in ('all', p_class)
    and l.powertrain in ('all', p_powertrain);

-- Grain: one row per date × country × duty case × applying line. A country has one case, 'all', unless some
-- applying line belongs to a case (tariffs.duty_case, labelled in duty_cases): then it has one row
-- set per case, each with the lines of no case plus that case's own. Within a case one base line
-- counts: the class-specific one before an 'all' one, then the highest rate (`base_rank` = 1); the
-- others are kept with base_rank > 1 so a page can say why they are not added.
create macro car_duty_case_lines_on(p_origin, p_class, p_powertrain, p_dates) as table
with lines as (
    select * from car_duty_lines_on(p_origin, p_class, p_powertrain, p_dates) where applies
),
-- every case of a case set one of the country's applying lines belongs to (a case need not have lines
-- of its own: 'the levy replaces the China duty' is the lines of no case)
case_sets as (
    select m.iso3, d.market_code, d.duty_case
    from duty_cases as d
    join v_market_membership as m on m.group_code = d.market_code
),
named as (
    select distinct own.on_date, s.iso3, s.duty_case
    from (
        select distinct l.on_date, l.iso3, c.market_code
        from lines as l
        join case_sets as c on c.iso3 = l.iso3 and c.duty_case = l.duty_case
    ) as own
    join case_sets as s on s.iso3 = own.iso3 and s.market_code = own.market_code
),
cases as (
    select distinct l.on_date, l.iso3, coalesce(n.duty_case, 'all') as case_id
    from lines as l
    left join named as n on n.on_date = l.on_date and n.iso3 = l.iso3
),
case_lines as (
    select c.case_id, l.*
    from cases as c
    join lines as l
        on l.on_date = c.on_date and l.iso3 = c.iso3 and (l.duty_case is null or l.duty_case = c.case_id)
)
select
    cl.*,
    coalesce(dc.label, 'every import') as case_label,
    coalesce(dc.sort_order, 0) as case_order,
    case when cl.duty_kind = 'base' then row_number() over (
        partition by cl.on_date, cl.iso3, cl.case_id, cl.duty_kind
        order by (cl.applies_to <> 'all') desc, cl.rate_pct desc nulls last, cl.tariff_id
    ) end as base_rank
from case_lines as cl
left join (
    select m.iso3, d.duty_case, d.label, d.sort_order
    from duty_cases as d
    join v_market_membership as m on m.group_code = d.market_code
) as dc on dc.iso3 = cl.iso3 and dc.duty_case = cl.case_id;

-- Grain: one row per date × country × duty case: the duty on the car's customs (CIF) value.
--   base_pct: the counted base line's rate (null = no base duty known: the total is then a floor);
--   additional_pct: the sum of the additional ad-valorem lines;
--   total_pct = base + additional (null when no line has a rate: a fixed fee only);
--   total_is_at_least: a per-car minimum or fixed fee applies, no base is known, or a line is a floor.
create macro car_duty_cases_on(p_origin, p_class, p_powertrain, p_dates) as table
select
    on_date,
    iso3,
    case_id,
    any_value(case_label) as case_label,
    any_value(case_order) as case_order,
    max(rate_pct) filter (where duty_kind = 'base' and base_rank = 1) as base_pct,
    coalesce(sum(rate_pct) filter (where duty_kind = 'additional'), 0) as additional_pct,
    case when count(rate_pct) filter (where base_rank is null or base_rank = 1) = 0 then null
        else coalesce(base_pct, 0) + additional_pct end as total_pct,
    bool_or(min_amount is not null and (base_rank is null or base_rank = 1))
        or base_pct is null
        or max(confidence_rank) = confidence_rank('lower_bound') as total_is_at_least,
    string_agg(
        measure || ': ' || coalesce(rate_pct::varchar || '%', 'fixed fee')
            || coalesce(' (at least ' || min_amount::bigint::varchar || ' ' || min_currency || ' per car)', '')
            || case when status = 'provisional' then ' (provisional)' else '' end,
        '; ' order by duty_kind desc, tariff_id
    ) filter (where base_rank is null or base_rank = 1) as duty_lines,
    string_agg(distinct source_url, ' ; ' order by source_url) as source_url,
    max(as_of) as as_of,
    confidence_of_rank(max(confidence_rank)) as confidence,
    bool_or(status = 'provisional') as has_provisional
from car_duty_case_lines_on(p_origin, p_class, p_powertrain, p_dates)
group by on_date, iso3, case_id;

-- The car a brand exports, for the brand-level pages (map, country page): origin = the country where
-- the brand builds most of its models of that powertrain (ties: alphabetical; none: its home market),
-- class = brands.tariff_company.
create macro brand_origin(p_brand, p_powertrain) as (
    select coalesce(
        (select production_country from models
         where brand_id = p_brand and powertrain = p_powertrain
         group by production_country order by count(*) desc, production_country limit 1),
        (select home_market from brands where brand_id = p_brand)
    )
);
create macro brand_class(p_brand) as (select tariff_company from brands where brand_id = p_brand);

-- One-date forms (what the pages read).
create macro car_duty_lines(p_origin, p_class, p_powertrain, p_on) as table
select * exclude (on_date) from car_duty_lines_on(p_origin, p_class, p_powertrain, [p_on::date]);
create macro car_duty_case_lines(p_origin, p_class, p_powertrain, p_on) as table
select * exclude (on_date) from car_duty_case_lines_on(p_origin, p_class, p_powertrain, [p_on::date]);
create macro car_duty_cases(p_origin, p_class, p_powertrain, p_on) as table
select * exclude (on_date) from car_duty_cases_on(p_origin, p_class, p_powertrain, [p_on::date]);
create macro brand_duty_cases(p_brand, p_on_date, p_powertrain) as table
select * from car_duty_cases(brand_origin(p_brand, p_powertrain), brand_class(p_brand), p_powertrain, p_on_date);

-- Grain: one row per date on which the duty on the car in country p_iso3 changed (a line concerning
-- the car starts, or ends the day before), with the cases before and after as text ('every import:
-- 10% → 30.7%'). Proposed lines never change anything. Dates after p_on are upcoming changes.
create macro car_duty_changes(p_origin, p_class, p_powertrain, p_iso3) as table
with moves as (
    select effective_from as on_date, measure || coalesce(' ' || printf('%g%%', rate_pct), '') as measure,
        tariff_id, 'starts' as what
    from v_duty_lines
    where iso3 = p_iso3 and origin_iso3 = p_origin and applies_to in ('all', p_class)
        and powertrain in ('all', p_powertrain) and status <> 'proposed'
    union all
    select effective_to + 1, measure || coalesce(' ' || printf('%g%%', rate_pct), ''), tariff_id, 'ends'
    from v_duty_lines
    where iso3 = p_iso3 and origin_iso3 = p_origin and applies_to in ('all', p_class)
        and powertrain in ('all', p_powertrain) and status <> 'proposed' and effective_to is not null
),
dates as (
    select list(distinct d) as ds
    from (select on_date as d from moves union select on_date - 1 from moves)
),
totals as (
    select on_date, string_agg(
        case when case_id = 'all' then '' else case_label || ': ' end
            || coalesce(case when total_is_at_least then '≥ ' else '' end || printf('%g%%', total_pct), 'unknown'),
        ' · ' order by case_order) as duty
    from car_duty_cases_on(p_origin, p_class, p_powertrain, (select ds from dates))
    where iso3 = p_iso3
    group by on_date
),
changes as (
    select distinct m.on_date from moves as m
)
select
    c.on_date,
    coalesce(before.duty, 'none in the data') as duty_before,
    coalesce(after.duty, 'none in the data') as duty_after,
    (select string_agg(m.measure || ' ' || m.what, '; ' order by m.what desc, m.tariff_id)
     from moves as m where m.on_date = c.on_date) as what_changed
from changes as c
left join totals as before on before.on_date = c.on_date - 1
left join totals as after on after.on_date = c.on_date
where coalesce(before.duty, '') <> coalesce(after.duty, '')
order by c.on_date;
