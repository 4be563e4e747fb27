-- grain: one row per year × metric for one country: the market figure picked by v_market_measures, with its source, and the earlier edition's value when a later edition revised it (revised_from_value, as of revised_from_as_of)
-- params: country (varchar)
select
    year,
    metric,
    value,
    period_scope,
    scope_note,
    confidence,
    as_of,
    source_url,
    publisher,
    alternatives,
    revised_from_value,
    revised_from_as_of
from v_market_measures
where market_code = $country
order by year, metric
