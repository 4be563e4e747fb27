-- evdash schema. Every seed CSV in data/seeds/<table>.csv loads into the table of the same name,
-- in the order of evdash.build.LOAD_ORDER. Constraints live here so the database itself rejects bad rows.
-- `countries` and `currencies` are filled from pycountry by the build (never hand-maintained).
-- Confidence: reported = exact figure stated by the company or an official body;
--             lower_bound = "over N"; estimate = third-party, derived or media figure.

create type confidence_t as enum ('reported', 'lower_bound', 'estimate');

create table countries (            -- ISO 3166-1, from pycountry
    iso3 varchar primary key check (length(iso3) = 3),
    iso2 varchar not null,
    numeric_code varchar not null,
    name varchar not null
);

create table currencies (           -- ISO 4217, from pycountry
    code varchar primary key check (length(code) = 3),
    name varchar not null
);

create table sources (
    source_id varchar primary key,
    url varchar not null check (regexp_matches(url, '^https?://')),
    publisher varchar not null,
    reliability varchar not null check (reliability in ('primary', 'secondary', 'low')),
    note varchar
);

-- Markets: every ISO country (kind = country, filled from `countries`) plus groups from market_groups.csv.
create table markets (
    market_code varchar primary key,
    name varchar not null,
    kind varchar not null check (kind in ('country', 'group'))
);

create table market_group_members (
    group_code varchar not null references markets (market_code),
    member_iso3 varchar not null references countries (iso3),
    primary key (group_code, member_iso3)
);

create table brands (
    brand_id varchar primary key check (regexp_matches(brand_id, '^[a-z0-9_]+$')),
    name varchar not null unique,
    parent_group varchar,             -- e.g. Zeekr -> Geely; used by company-specific duties
    home_market varchar not null references countries (iso3),
    tariff_company varchar not null,  -- company name used to match tariffs.applies_to ('other_cooperating' etc.)
    note varchar,
    -- The brand whose delivery figures already include this brand's (Zeekr and Lynk & Co are counted in
    -- Geely Auto, Geely Auto in Geely Holding): a group total is never added to its brands.
    counted_in varchar check (counted_in is null or regexp_matches(counted_in, '^[a-z0-9_]+$'))
);

create table models (
    model_id varchar primary key check (regexp_matches(model_id, '^[a-z0-9_]+$')),
    brand_id varchar not null references brands (brand_id),
    name varchar not null,
    body_type varchar not null check (body_type in ('sedan', 'suv', 'hatchback', 'wagon', 'coupe', 'mpv', 'pickup')),
    segment varchar not null,         -- e.g. 'D' (mid-size), 'E' (large)
    powertrain varchar not null check (powertrain in ('BEV', 'PHEV', 'EREV', 'HEV', 'ICE')),
    launch_date date,                 -- first deliveries/launch in its home market; null if not yet launched
    production_country varchar not null references countries (iso3),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    unique (brand_id, name)
);

create table variants (
    variant_id varchar primary key check (regexp_matches(variant_id, '^[a-z0-9_]+$')),
    model_id varchar not null references models (model_id),
    name varchar not null,
    note varchar,
    unique (model_id, name)
);

create table prices (
    variant_id varchar not null references variants (variant_id),
    market_code varchar not null references countries (iso3),
    currency varchar not null references currencies (code),
    price decimal(14, 2) not null check (price > 0),
    price_type varchar not null check (price_type in ('launch', 'list', 'presale', 'preorder', 'expected')),
    effective_from date not null,
    includes_vat boolean not null default true,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (variant_id, market_code, effective_from, price_type, source_id)
);

-- Monthly deliveries. model_id null = the brand's total for the month (all models);
-- a row with model_id is a per-model split. market_code is where the cars were delivered.
create table deliveries_monthly (
    row_id integer primary key,
    brand_id varchar not null references brands (brand_id),
    model_id varchar references models (model_id),
    market_code varchar not null references markets (market_code),
    month date not null check (day(month) = 1),
    units integer not null check (units >= 0),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    -- Set by the data team only where the general picking rule would choose a figure that reported
    -- totals contradict; the note must say why (data/README.md, "Which figure is used").
    preferred boolean,
    -- As the source words the figure (as delivery_totals.qualifier): 'more_than' keeps the floor of an
    -- "over N" downgraded to an estimate (a weak source), shown "≥ ≈ N".
    qualifier varchar check (qualifier in ('about', 'more_than', 'derived')),
    -- A withdrawal (a vintage, never a delete): this source's figure for the key stops counting from this
    -- row's as_of; units/confidence repeat the withdrawn figure. A later vintage counts again.
    withdrawn boolean
);

-- Reported totals over a period (quarter, year, cumulative to a date, year-to-date).
create table delivery_totals (
    row_id integer primary key,
    brand_id varchar not null references brands (brand_id),
    model_id varchar references models (model_id),
    scope varchar not null check (scope in ('all', 'BEV', 'NEV', 'PHEV', 'overseas', 'china_retail', 'china_wholesale')),
    period_kind varchar not null check (period_kind in ('quarter', 'year', 'cumulative', 'ytd', 'month')),
    period_start date not null,
    period_end date not null,
    units integer not null check (units >= 0),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    -- As the source words the figure: 'more_than' keeps the floor of an "over N" downgraded to an
    -- estimate (a weak source): shown "≥ ≈ N"; 'derived' = arithmetic on other figures (the note shows it).
    qualifier varchar check (qualifier in ('about', 'more_than', 'derived')),
    check (period_end >= period_start)
);

-- Annual delivery targets, every revision with its announcement date.
create table targets (
    row_id integer primary key,
    brand_id varchar not null references brands (brand_id),
    year integer not null check (year between 2000 and 2100),
    target_units integer not null check (target_units > 0),
    announced_on date not null,
    issuer varchar not null check (issuer in ('company', 'analyst')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar
);

create table market_stats (
    row_id integer primary key,
    market_code varchar not null references markets (market_code),
    year integer not null check (year between 2000 and 2100),
    period_scope varchar not null check (period_scope in ('full_year', 'partial_year', 'projection')),
    new_ev_sales integer check (new_ev_sales >= 0),          -- BEV + PHEV (+EREV) new cars
    bev_sales integer check (bev_sales >= 0),
    total_new_car_sales integer check (total_new_car_sales >= 0),
    ev_share_pct double check (ev_share_pct between 0 and 100),
    bev_share_pct double check (bev_share_pct between 0 and 100),
    suv_share_pct double check (suv_share_pct between 0 and 100),
    scope_note varchar,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    check (bev_sales is null or new_ev_sales is null or bev_sales <= new_ev_sales)
);

-- The IEA Global EV Data Explorer (CC BY 4.0), every edition as a vintage: one row per region × category ×
-- parameter × mode × powertrain × year × edition (source_id, as_of = the day the edition was published), read from
-- the publisher's files by evdash/connectors/iea.py (data/raw/iea, replayed by the build; `evdash fetch iea`).
-- `region` is the IEA's name, `market_code` its ISO 3166 alpha-3 code or market group. Historical = the IEA's
-- figures (reported); Projection-STEPS / -APS / -CPS = scenarios (estimate), never shown as reported figures.
-- Which edition's value is current is the staging views' rule (latest publication), never the load order.
create table iea_ev_data (
    market_code varchar not null references markets (market_code),
    region varchar not null,
    category varchar not null check (category in ('Historical', 'Projection-STEPS', 'Projection-APS', 'Projection-CPS')),
    parameter varchar not null,
    mode varchar not null check (mode in ('Cars', 'Buses', 'Vans', 'Trucks', 'EV')),  -- 'EV' = all modes (charging)
    powertrain varchar not null
        check (powertrain in ('BEV', 'PHEV', 'FCEV', 'EV', 'Publicly available fast', 'Publicly available slow')),
    year integer not null check (year between 2000 and 2100),
    unit varchar not null,
    value double not null check (value >= 0),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    check ((category = 'Historical') = (confidence = 'reported')),
    check (unit <> 'percent' or value <= 100),
    primary key (market_code, category, parameter, mode, powertrain, year, source_id, as_of)
);

-- SUV share of new cars: every public figure with the definition it was measured by (data/seeds/suv_share.csv,
-- from shared/facts/suv_share.csv). Two definitions are never one series: the definition is part of the key.
create table suv_definitions (
    definition varchar primary key,
    label varchar not null,
    breadth varchar not null check (breadth in ('broad', 'narrow', 'wider')),  -- vs SUVs incl. crossovers/off-roaders
    description varchar not null
);

create table suv_share (
    market_code varchar not null references markets (market_code),
    year integer not null check (year between 2000 and 2100),
    period_scope varchar not null check (period_scope in ('full_year', 'partial_year', 'month')),
    period_label varchar not null,      -- '2024', 'Jan–Nov 2025', 'Jan 2024' …
    measure varchar not null check (measure in ('new_cars', 'bev_sales', 'phev_sales', 'ev_sales', 'bev_models_on_offer')),
    definition varchar not null references suv_definitions (definition),
    value_pct double not null check (value_pct between 0 and 100),
    qualifier varchar check (qualifier in ('about', 'more_than', 'derived')),  -- as the source words it
    scope_note varchar,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, year, period_label, measure, definition, source_id)
);

-- Brand and model registrations in a market over a span of months (data/seeds/brand_registrations.csv, from
-- shared/facts/registrations_by_brand.csv): the published totals, not a vendor's model-level file.
-- subject_kind: market (all new cars), brand, model, origin_group (e.g. Chinese-origin cars). units null = the
-- source looked and found none (said in scope_note).
create table brand_registrations (
    market_code varchar not null references markets (market_code),
    month_from date not null check (day(month_from) = 1),
    month_to date not null check (day(month_to) = 1),
    period_label varchar not null,
    subject_kind varchar not null check (subject_kind in ('market', 'brand', 'model', 'origin_group')),
    brand_id varchar references brands (brand_id),
    model_id varchar references models (model_id),
    subject varchar not null,
    units integer check (units >= 0),
    qualifier varchar check (qualifier in ('about', 'more_than', 'derived')),
    scope_note varchar,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    check (month_to >= month_from),
    check (subject_kind not in ('brand', 'model') or brand_id is not null),
    primary key (market_code, month_from, month_to, subject, source_id)
);

create table tariffs (
    tariff_id varchar primary key,
    market_code varchar not null references markets (market_code),
    measure varchar not null,
    origin_iso3 varchar not null references countries (iso3),
    applies_to varchar not null,      -- 'all' or a brands.tariff_company value
    powertrain varchar not null check (powertrain in ('BEV', 'PHEV', 'HEV', 'ICE', 'all')),
    duty_kind varchar not null check (duty_kind in ('base', 'additional')),
    rate_pct double check (rate_pct >= 0),
    min_amount decimal(14, 2),
    min_currency varchar references currencies (code),
    effective_from date not null,
    effective_to date,
    status varchar not null check (status in ('in_force', 'superseded', 'proposed', 'provisional', 'expired')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    -- Empty = the line applies in every case. Otherwise it applies only in that case of its market
    -- (duty_cases: Canada in / out of its quota; Turkey's levy adding to or replacing the China duty).
    duty_case varchar check (duty_case is null or regexp_matches(duty_case, '^[a-z0-9_]+$')),
    check (effective_to is null or effective_to >= effective_from)
);

-- The alternative cases of a market's duties: a price depends on a fact the data cannot settle (is the
-- car inside Canada's quota? does Turkey's levy add to its China duty?), so every case is shown.
create table duty_cases (
    market_code varchar not null references markets (market_code),
    duty_case varchar not null check (regexp_matches(duty_case, '^[a-z0-9_]+$')),
    label varchar not null,           -- 'inside the 49,000-car quota', shown as is
    sort_order integer not null,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, duty_case)
);

-- VAT / GST rates applied to a car's landed price.
create table vat_rates (
    market_code varchar not null references countries (iso3),
    rate_pct double not null check (rate_pct between 0 and 100),
    effective_from date not null,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, effective_from)
);

-- VAT reliefs by powertrain: VAT is charged only on the part of the price above `exempt_up_to`
-- (Norway's BEV threshold: NOK 500,000 to 2025, 300,000 in 2026, 150,000 in 2027, 0 from 2028).
create table vat_reliefs (
    market_code varchar not null references countries (iso3),
    powertrain varchar not null check (powertrain in ('BEV', 'PHEV', 'HEV', 'ICE')),
    exempt_up_to decimal(14, 2) not null check (exempt_up_to >= 0),
    currency varchar not null references currencies (code),
    effective_from date not null,
    effective_to date,
    status varchar not null check (status in ('in_force', 'superseded', 'planned')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, powertrain, effective_from),
    check (effective_to is null or effective_to >= effective_from)
);

-- Purchase incentives by market and scheme, with their eligibility: an amount for an eligible buyer
-- (`amount` the base, `amount_max` the most), a price cap, production countries that cannot qualify
-- (`excluded_origins`, ';'-separated ISO3, with the rule in `origin_rule`) and the buyer type. A
-- `no_scheme` row says the market was checked and has no purchase grant.
create table purchase_incentives (
    market_code varchar not null references countries (iso3),
    scheme_id varchar not null,
    scheme varchar not null,
    powertrain varchar not null check (powertrain in ('BEV', 'PHEV', 'all')),
    amount decimal(14, 2) check (amount >= 0),
    amount_max decimal(14, 2) check (amount_max >= amount),
    currency varchar references currencies (code),
    price_cap decimal(14, 2) check (price_cap > 0),
    excluded_origins varchar,
    origin_rule varchar,
    buyer varchar not null check (buyer in ('private', 'business', 'all')),
    eligibility varchar not null,
    effective_from date not null,
    effective_to date,
    status varchar not null check (status in ('in_force', 'ended', 'planned', 'no_scheme')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, scheme_id, effective_from),
    check (effective_to is null or effective_to >= effective_from),
    check ((status = 'no_scheme') = (amount is null)),
    check (amount is null or currency is not null),
    check ((excluded_origins is null) = (origin_rule is null))
);

-- Units of `quote` per 1 unit of `base` on rate_date.
create table fx_rates (
    rate_date date not null,
    base varchar not null references currencies (code),
    quote varchar not null references currencies (code),
    rate double not null check (rate > 0),
    rate_kind varchar not null check (rate_kind in ('fixing', 'implied')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (rate_date, base, quote, source_id)
);

-- Brand status in a market over time; the latest status_date wins.
create table expansion_status (
    brand_id varchar not null references brands (brand_id),
    market_code varchar not null references countries (iso3),
    status varchar not null check (status in ('home', 'launched', 'pilot', 'announced', 'evaluating', 'not_targeted')),
    status_date date not null,
    planned_entry varchar,
    statement varchar not null,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    primary key (brand_id, market_code, status_date)
);

-- Dated facts: debuts, statements, store counts, capacity, orders.
create table events (
    row_id integer primary key,
    brand_id varchar not null references brands (brand_id),
    market_code varchar references countries (iso3),
    event_date date not null,
    event_type varchar not null check (event_type in ('debut', 'statement', 'stores', 'capacity', 'orders', 'launch', 'financial', 'milestone')),
    title varchar not null,
    value_num double,
    value_unit varchar,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar
);

-- A data vendor's monthly new-car registrations: market × brand × model × powertrain × body type.
-- model_name is the vendor's label; model_id links it to `models` where the model is known to us.
-- Loaded sorted by (market_code, month) so DuckDB's zone maps prune scans on those filters.
create table registrations (
    month date not null check (day(month) = 1),
    market_code varchar not null references countries (iso3),
    brand_id varchar not null references brands (brand_id),
    model_name varchar not null,
    model_id varchar references models (model_id),
    powertrain varchar not null check (powertrain in ('BEV', 'PHEV', 'EREV', 'HEV', 'ICE')),
    body_type varchar not null check (body_type in ('sedan', 'suv', 'hatchback', 'wagon', 'coupe', 'mpv', 'pickup')),
    units integer not null check (units >= 0),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null
);

-- New registrations as a national registration office publishes them (KBA FZ 10, RDW, DfT VEH1153), loaded
-- by the connectors (evdash/connectors/*) from the raw files in data/raw/<source>/, never from seeds.
-- One row per market × month × powertrain scope × subject (the whole market, a make, a make's model series)
-- × source × as_of: a revised file is a new vintage beside the first, and the staging view
-- (evdash/models/14_staging_national_registrations.sql) picks one per key. `subject` is the publisher's own
-- name (KBA's make 'MG ROEWE'); `brand_id` links it to a product brand where one exists, else it is null.
-- `units` null = the publisher's symbol for "no reliable figure". Not `brand_registrations` (media totals,
-- one per brand and span, every brand a product brand, no powertrain scope, no vintages).
create table national_registrations (
    market_code varchar not null references markets (market_code),
    month date not null check (day(month) = 1),
    powertrain varchar not null check (powertrain in ('BEV', 'all')),
    subject_kind varchar not null check (subject_kind in ('market', 'brand', 'model')),
    subject varchar not null,
    brand_id varchar references brands (brand_id),
    units integer check (units >= 0),
    qualifier varchar check (qualifier in ('about', 'more_than')),
    scope_note varchar,
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (market_code, month, powertrain, subject_kind, subject, source_id, as_of)
);

-- UN M49 region and sub-region of every ISO country (data/seeds/country_regions.csv, generated by
-- `python -m evdash.regions` from the UNSD M49 table). evdash_region is derived from the M49 codes by the
-- rule in evdash/regions.py: Europe 150 -> europe; Americas 019 -> americas; Africa 002 and Western Asia
-- 145 -> middle_east_africa; other Asia 142 and Oceania 009 -> asia_pacific. Null = no M49 region (ATA).
create table country_regions (
    iso3 varchar primary key references countries (iso3),
    region_m49 varchar check (regexp_matches(region_m49, '^[0-9]{3}$')),
    region_name varchar,
    subregion_m49 varchar check (regexp_matches(subregion_m49, '^[0-9]{3}$')),
    subregion_name varchar,
    evdash_region varchar check (evdash_region in ('europe', 'asia_pacific', 'americas', 'middle_east_africa')),
    source_url varchar not null check (regexp_matches(source_url, '^https?://')),
    note varchar
);

-- Every RECURRING source and its freshness promise (data/seeds/source_feeds.csv): who publishes what, where,
-- under which licence, how often (`period` + `lag_months` + `due_day`: the figure for a period is due on
-- `due_day` — null = the last day — of the month `lag_months` after the period's last month), the
-- connector that reads it (`evdash fetch <parser>`, null = entered by hand or imported as CSV) and which
-- data holds its newest figure (`newest_measure` + `newest_subject`, resolved in queries/source_status.sql).
create table source_feeds (
    feed_id varchar primary key check (regexp_matches(feed_id, '^[a-z0-9_]+$')),
    name varchar not null,
    publisher varchar not null,
    publishes varchar not null,
    url varchar not null check (regexp_matches(url, '^https?://')),
    licence varchar not null,
    period varchar not null check (period in ('month', 'quarter', 'year')),
    lag_months integer not null check (lag_months between 0 and 24),
    due_day integer check (due_day between 1 and 31),
    parser varchar check (regexp_matches(parser, '^[a-z0-9_]+$')),
    newest_measure varchar not null
        check (newest_measure in ('deliveries', 'iea_historical', 'market_registrations', 'fx_fixing')),
    newest_subject varchar,
    note varchar,
    check ((newest_measure = 'iea_historical') = (newest_subject is null))
);

-- What a market requires of a car before it can be sold there (data/seeds/market_requirements.csv): the
-- side of the road traffic keeps to (left = the car needs right-hand drive), the DC charging standard(s) public
-- chargers offer, and the type-approval regime. Each part has its own source; `confidence` is the weakest.
-- The ranking's gates (scoring.requirement_gaps) compare it with model_configurations.
create table market_requirements (
    market_code varchar primary key references countries (iso3),
    driving_side varchar not null check (driving_side in ('left', 'right')),
    charging_standards varchar not null
        check (regexp_matches(charging_standards, '^(CCS2|CCS1|NACS|GB/T|CHAdeMO)(;(CCS2|CCS1|NACS|GB/T|CHAdeMO))*$')),
    type_approval varchar not null check (type_approval in ('eu_wvta', 'gb', 'cn', 'fmvss', 'cmvss', 'adr', 'jp')),
    side_source_id varchar not null references sources (source_id),
    charging_source_id varchar not null references sources (source_id),
    approval_source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar
);

-- What each configuration of a model offers (data/seeds/model_configurations.csv): steering side, DC charging
-- inlet and the type approvals it holds (';'-separated codes of market_requirements.type_approval). A model
-- without rows has unknown requirements (never a gap).
create table model_configurations (
    model_id varchar not null references models (model_id),
    steering varchar not null check (steering in ('LHD', 'RHD')),
    charging_inlet varchar not null check (charging_inlet in ('CCS2', 'CCS1', 'NACS', 'GB/T', 'CHAdeMO')),
    approvals varchar not null
        check (regexp_matches(approvals, '^(eu_wvta|gb|cn|fmvss|cmvss|adr|jp)(;(eu_wvta|gb|cn|fmvss|cmvss|adr|jp))*$')),
    source_id varchar not null references sources (source_id),
    as_of date not null,
    confidence confidence_t not null,
    note varchar,
    primary key (model_id, steering, charging_inlet)
);

-- Accepted imports (evdash import / the Data page), one row per imported file, filled by the build from
-- the append-only manifest `<imports dir>/manifest.jsonl` (evdash/importer.py). The database is always
-- seeds + these files replayed in order; the files are kept content-addressed by sha256.
create table import_history (
    batch_id integer not null,          -- one `evdash import` command or one confirmed upload
    file_seq integer not null,          -- apply order within the batch
    imported_at timestamp not null,     -- UTC
    imported_by varchar not null,
    file_name varchar not null,
    sha256 varchar not null check (length(sha256) = 64),
    kind varchar not null,
    rows_in_file integer not null,
    rows_added integer not null,
    rows_changed integer not null,
    rows_unchanged integer not null,
    sources_added integer not null,
    primary key (batch_id, file_seq)
);

-- Corrections: one row per changed cell of an existing row (old -> new), so "what did the dashboard say
-- before this import" can be answered. row_key names the natural key, e.g. "brand=xiaomi, month=2025-03".
create table import_changes (
    batch_id integer not null,
    file_seq integer not null,
    row_key varchar not null,
    column_name varchar not null,
    old_value varchar,
    new_value varchar
);

-- Analyst notes on a chart's period, market or figure (evdash/notes.py, rules in evdash/note_rules.py).
-- Written only through the import journal (kind `notes`), so every server replaying the journal shows
-- them. Append-only: an edit or a deletion is a new revision of the note, never an update (the import
-- refuses a changed row of this kind), so every earlier version stays. v_notes picks the latest.
create table annotations (
    note_id varchar not null check (regexp_full_match(note_id, 'n[0-9a-f]{12}')),
    revision integer not null check (revision >= 1),
    action varchar not null check (action in ('added', 'edited', 'deleted')),
    attached_to varchar not null check (attached_to in ('period', 'market', 'figure')),
    period_from date,
    period_to date,
    market_code varchar references countries (iso3),
    brand_id varchar references brands (brand_id),
    model_id varchar references models (model_id),
    year integer,
    note_text varchar not null check (length(note_text) <= 500),
    link varchar,
    author varchar not null,
    written_at timestamp not null,  -- UTC
    primary key (note_id, revision)
);
