-- Staging: new registrations published by national registration offices (KBA FZ 10, RDW, DfT VEH1153),
-- loaded by the build from data/raw/<source>/ through the connectors (evdash/connectors/*).

-- The picking rule, once: one figure per market × month × powertrain scope × subject (the whole market, a
-- make, a model series). Several vintages (a file published again with revisions) or sources for the same
-- key: the more certain first (confidence), then the more reliable source, then the later publication
-- (as_of: a revised file replaces the first, an older file loaded late does not), then source_id.
-- `alternatives` counts the other figures for the key. Grain: market_code, month, powertrain, subject_kind,
-- subject (unique).
create view v_national_registrations as
select * exclude (pick)
from (
    select
        n.*,
        s.url as source_url,
        s.publisher,
        s.reliability,
        row_number() over (
            partition by n.market_code, n.month, n.powertrain, n.subject_kind, n.subject
            order by confidence_rank(n.confidence), reliability_rank(s.reliability), n.as_of desc, n.source_id
        ) as pick,
        count(*) over (partition by n.market_code, n.month, n.powertrain, n.subject_kind, n.subject) - 1
            as alternatives
    from national_registrations as n
    join sources as s using (source_id)
)
where pick = 1;
