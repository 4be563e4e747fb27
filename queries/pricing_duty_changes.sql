-- grain: one row per date on which the import duty on a car built in $origin (company class $duty_class, powertrain $powertrain) changed or will change in $country: the duty before and after, per case (rule: car_duty_changes in evdash/models/22_marts_duties.sql)
-- params: origin (varchar), duty_class (varchar), powertrain (varchar), country (varchar)
select on_date, duty_before, duty_after, what_changed
from car_duty_changes($origin, $duty_class, $powertrain, $country)
order by on_date
