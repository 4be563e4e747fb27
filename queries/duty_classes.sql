-- grain: one row per company class a duty can name (tariffs.applies_to other than 'all', and every brand's tariff_company): the duty-class scenarios a page offers
-- params: none
select applies_to as duty_class from tariffs where applies_to <> 'all'
union
select tariff_company from brands
union
select 'none'
order by duty_class
