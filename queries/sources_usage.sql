-- grain: one row per source, with how many figure rows cite it and where
-- params: reliability (varchar[])
with cited as (
    select source_id, 'deliveries' as used_in, as_of, confidence from deliveries_monthly
    union all select source_id, 'delivery totals', as_of, confidence from delivery_totals
    union all select source_id, 'targets', as_of, confidence from targets
    union all select source_id, 'markets', as_of, confidence from market_stats
    union all select source_id, 'prices', as_of, confidence from prices
    union all select source_id, 'tariffs', as_of, confidence from tariffs
    union all select source_id, 'VAT', as_of, confidence from vat_rates
    union all select source_id, 'FX', as_of, confidence from fx_rates
    union all select source_id, 'expansion', as_of, confidence from expansion_status
    union all select source_id, 'events', as_of, confidence from events
    union all select source_id, 'models', as_of, confidence from models
)
select
    s.source_id,
    s.publisher,
    s.url,
    s.reliability,
    count(c.source_id) as figures,
    count(c.source_id) filter (where c.confidence = 'reported') as reported,
    count(c.source_id) filter (where c.confidence = 'lower_bound') as lower_bound,
    count(c.source_id) filter (where c.confidence = 'estimate') as estimate,
    coalesce(string_agg(distinct c.used_in, ', ' order by c.used_in), '') as used_in,
    max(c.as_of) as latest_as_of
from sources as s
left join cited as c using (source_id)
where list_contains($reliability, s.reliability)
group by all
order by figures desc, s.publisher, s.source_id
