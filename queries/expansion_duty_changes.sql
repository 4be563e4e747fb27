-- grain: one row per date on which the import duty on the brand's cars of `powertrain` changed or will change in $country: the duty before and after, per case (rule: car_duty_changes in evdash/models/22_marts_duties.sql)
-- params: brand (varchar), powertrain (varchar), country (varchar)
select on_date, duty_before, duty_after, what_changed
from car_duty_changes(brand_origin($brand, $powertrain), brand_class($brand), $powertrain, $country)
order by on_date
