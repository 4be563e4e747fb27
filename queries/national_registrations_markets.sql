-- grain: one row per market with registrations published by a national registration office (v_national_registrations), with the months covered
-- params: none
select
    n.market_code,
    m.name as market_name,
    min(n.month) as first_month,
    max(n.month) as last_month,
    string_agg(distinct n.publisher, '; ' order by n.publisher) as publishers
from v_national_registrations as n
join markets as m using (market_code)
group by n.market_code, m.name
order by n.market_code
