-- grain: one row per year × metric for one country: the market figure picked by v_market_measures, with its source
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
    alternatives
from v_market_measures
where market_code = $country
order by year, metric
