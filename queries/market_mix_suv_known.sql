-- grain: one row per published SUV-share figure (suv_share row), with its definition, its market's name and region, and whether it is the headline figure of its market × year × measure × definition
-- params: none
select
    s.market_code,
    m.name as market_name,
    m.kind as market_kind,
    r.evdash_region,
    s.year,
    s.period_scope,
    s.period_label,
    s.measure,
    s.definition,
    s.definition_label,
    s.breadth,
    s.value_pct,
    s.qualifier,
    s.scope_note,
    s.confidence::varchar as confidence,
    s.as_of,
    s.source_url,
    s.publisher,
    exists (
        select 1 from v_suv_headline as h
        where h.market_code = s.market_code and h.year = s.year and h.measure = s.measure
            and h.definition = s.definition and h.source_id = s.source_id and h.period_label = s.period_label
    ) as is_headline
from v_suv_share as s
join markets as m using (market_code)
left join country_regions as r on r.iso3 = s.market_code
order by s.market_code, s.year desc, s.measure, s.definition, s.period_label
