-- Macros shared by every model: the confidence order, source reliability order and the picking rank.
-- Views layer the raw tables into what queries read.
-- Picking rule among contradicting figures with the same key (data/README.md, "Which figure is used"):
--   0) a monthly delivery row the data team marked `preferred` (with its reason in the note);
--   1) a reported figure; else an estimate that does not contradict the company's own floor (the
--      highest "over N" for that key); else a lower bound; an estimate below the floor comes last;
--   2) source reliability primary > secondary > low;
--   3) among lower bounds, the highest floor (every "over N" is true at once, the highest says most);
--   4) the later as_of (a later revision beats an earlier figure); 5) source_id, for determinism.

-- The confidence order (its Python twin: evdash/confidence.py; tests/test_confidence.py checks they agree).
create macro confidence_rank(c) as case c::varchar when 'reported' then 1 when 'lower_bound' then 2 else 3 end;
create macro confidence_of_rank(r) as case r when 1 then 'reported' when 2 then 'lower_bound' else 'estimate' end;
create macro reliability_rank(r) as case r when 'primary' then 1 when 'secondary' then 2 else 3 end;
create macro pick_rank(c, units, floor_units) as case
    when c = 'reported' then 1
    when c = 'estimate' and (floor_units is null or units >= floor_units) then 2
    when c = 'lower_bound' then 3
    else 4 end;
