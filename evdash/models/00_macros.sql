-- Macros shared by every model: the confidence order, source reliability order, the picking rule and the
-- "best-informed figure" order. Each rule is written here once; the models call it.

-- The confidence order (its Python twin: evdash/confidence.py; tests/test_confidence.py checks they agree).
create macro confidence_rank(c) as case c::varchar when 'reported' then 1 when 'lower_bound' then 2 else 3 end;
create macro confidence_of_rank(r) as case r when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end;
-- The confidence of a figure combined from several (a sum with one estimate in it is an estimate): an
-- aggregate, used as `worst_confidence(confidence)` in a group by. Python twin: confidence.worst().
create macro worst_confidence(c) as confidence_of_rank(max(confidence_rank(c)));
-- A figure is a floor ("over N") when it is a lower bound, or an "over N" from a weak source that was
-- downgraded to an estimate but keeps its wording (qualifier 'more_than'): then it is "≥ ≈ N", never a
-- bare N. The one place that says what "at least" means for a stored figure.
create macro is_floor(c, qualifier) as c::varchar = 'lower_bound' or coalesce(qualifier = 'more_than', false);
create macro reliability_rank(r) as case r when 'primary' then 1 when 'secondary' then 2 else 3 end;

-- The picking rule among contradicting figures with the same key (data/README.md, "Which figure is used"):
--   0) a monthly delivery row the data team marked `preferred` (with its reason in the note);
--   1) a reported figure; else an estimate that does not contradict the company's own floor (the
--      highest "over N" for that key); else a lower bound; an estimate below the floor comes last;
--   2) source reliability primary > secondary > low;
--   3) among lower bounds, the highest floor (every "over N" is true at once, the highest says most);
--   4) the later as_of (a later revision beats an earlier figure); 5) source_id, for determinism.
-- Use: row_number() over (partition by <the key> order by pick_order(...)) = 1, with floor_units =
-- max(units) filter (where confidence = 'lower_bound') over the same key.
create macro pick_rank(c, units, floor_units) as case
    when c = 'reported' then 1
    when c = 'estimate' and (floor_units is null or units >= floor_units) then 2
    when c = 'lower_bound' then 3
    else 4 end;
create macro pick_order(preferred, c, units, floor_units, reliability, as_of, source_id) as struct_pack(
    not_preferred := not coalesce(preferred, false),
    pick := pick_rank(c, units, floor_units),
    reliability := reliability_rank(reliability),
    lower_floor := case when c = 'lower_bound' then -units else 0 end,
    age_days := date_diff('day', as_of, date '9999-12-31'),
    source_id := source_id
);

-- The best-informed of several figures for the same question (deliveries in a year so far, cumulative
-- deliveries): the one reaching furthest (`through`, the last day it covers), then the one covering more
-- of that span (months_covered: a month without any figure is worse than an estimated one), then the
-- more certain (its least certain part in the confidence order, then fewer months resting on anything
-- but a reported figure), then the larger (of two floors the higher says more). Null counts as 0.
-- Use: order by best_informed_order(through, months_covered, confidence, uncertain_months, units).
create macro best_informed_order(through, months_covered, c, uncertain_months, units) as struct_pack(
    reach_days := date_diff('day', through, date '9999-12-31'),
    months_missing := -coalesce(months_covered, 0),
    certainty := confidence_rank(c),
    uncertain_months := coalesce(uncertain_months, 0),
    smaller := -units
);
