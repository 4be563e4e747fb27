-- grain: one row per stored vintage of one monthly delivery figure (every source and as-of date, withdrawals included), with whether the picking rule shows it now
-- params: brand (varchar), model (varchar), market (varchar), month (date)
-- brand / model: id or exact name; model '' = the brand total. Reads the raw table on purpose (every
-- vintage, as kept by the journal) and v_deliveries_monthly only to say which one is shown.
select
    d.row_id,
    d.units,
    d.confidence,
    d.as_of,
    coalesce(d.withdrawn, false) as withdrawn,
    s.url as source_url,
    s.publisher,
    d.note,
    exists (select 1 from v_deliveries_monthly as v where v.row_id = d.row_id) as shown
from deliveries_monthly as d
join sources as s using (source_id)
join brands as b using (brand_id)
left join models as m using (model_id)
where (d.brand_id = $brand or b.name = $brand)
    and (($model = '' and d.model_id is null) or d.model_id = $model or m.name = $model)
    and d.market_code = upper($market)
    and d.month = $month
order by d.as_of, d.row_id
