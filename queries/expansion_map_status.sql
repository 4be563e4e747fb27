-- grain: one row per ISO country (every row of country_regions): the brand's latest expansion status there on on_date (null = no data)
-- params: brand (varchar), on_date (date)
-- Several statuses for one market: the latest status_date on or before on_date wins.
with statuses as (
    select
        e.*,
        s.url as source_url,
        s.publisher,
        row_number() over (partition by e.market_code order by e.status_date desc) as recency,
        count(*) over (partition by e.market_code) as status_rows
    from expansion_status as e
    join sources as s using (source_id)
    where e.brand_id = $brand and e.status_date <= $on_date
)
select
    r.iso3,
    c.name as country,
    r.evdash_region,
    null::double as value,
    st.status as category,
    st.status_date::varchar as period,
    st.planned_entry,
    st.statement as detail,
    st.confidence::varchar as confidence,
    st.as_of,
    st.source_url,
    st.publisher,
    st.status_rows as history_rows
from country_regions as r
join countries as c using (iso3)
left join statuses as st on st.market_code = r.iso3 and st.recency = 1
order by r.iso3
