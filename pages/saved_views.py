"""Saved views: a signed-in user saves a page with the choices made on it under a name, opens it again
from here (the link keeps its settings) and has it e-mailed daily, weekly or monthly (`evdash deliver`
sends it), and subscribes to alerts (pace, a duty or VAT change, a source overdue, a rank change) with the
same checks as `evdash subscribe`. The rules and the store are evdash.subscriptions and evdash.journal;
this page only lays out."""

from __future__ import annotations

from urllib.parse import parse_qs

import streamlit as st

from evdash import subscriptions, text, ui
from evdash.journal import open_store
from evdash.journal.subscriptions import Record
from evdash.services import saved_views

ctx = ui.frame("Saved views")
user = ui.current_user()
store = open_store()
ui.title("Saved views")
ui.caption(
    "Save a page with the choices you made on it, open it again from here, and have it e-mailed to you "
    "daily, weekly or monthly. Below, subscribe to an alert: an e-mail only when its condition holds."
)

views = ui.visited_views()


def _where(i: int) -> str:
    path, label, query = views[i]
    try:
        record = subscriptions.saved_view(user, label, subscriptions.page_path(path), query)
    except subscriptions.SubscriptionError as exc:  # a choice no link can hold: said when saving
        return f"{label} ({exc})"
    return f"{label}: /{subscriptions.view_target(record)}"


with st.form("save_view", clear_on_submit=True):
    choice = st.selectbox("Page, with the choices you made on it", range(len(views)), format_func=_where)
    name = st.text_input("Name of the view", max_chars=subscriptions.NAME_MAX)
    save = st.form_submit_button("Save this view", icon=":material/bookmark_add:")
if save and choice is not None:
    script, _, query = views[choice]
    try:
        record = subscriptions.saved_view(user, name, subscriptions.page_path(script), query)
        store.add(record)
        ui.success("Saved: {name}.", name=record.body["name"])
    except subscriptions.SubscriptionError as exc:
        ui.error("Not saved: {why}", why=str(exc))


def _subscribe(view: Record, every: str, address: str) -> None:
    try:
        target = "/" + subscriptions.view_target(view)
        record = subscriptions.view_subscription(address, target, every, user, str(view.body["name"]))
        store.add(record)
        st.rerun()  # the subscription is listed under its view
    except subscriptions.SubscriptionError as exc:
        ui.error("Not subscribed: {why}", why=str(exc))


mine = [r for r in store.records("view") if r.active and r.owner == user]
subscribed = subscriptions.active(store, user)
if not mine:
    ui.info("No saved view yet: choose a page above, name it and save it.", icon=":material/info:")
for view in mine:
    with st.container(border=True):
        st.page_link(
            subscriptions.page_script(str(view.body["path"])),
            label=text.md(view.body["name"]),
            query_params=parse_qs(str(view.body["query"])),
            icon=":material/bookmark:",
        )
        ui.caption("/{target}", target=subscriptions.view_target(view))
        for sub in subscribed:
            if "alert" in sub.body or subscriptions.view_target(sub) != subscriptions.view_target(view):
                continue
            c1, c2 = st.columns([3, 1])
            ui.markdown(
                "E-mailed {every} to {address}",
                container=c1,
                every=sub.body["every"],
                address=sub.body["email"],
            )
            if c2.button("Cancel", key=f"cancel_{sub.id}", icon=":material/cancel:"):
                store.cancel(sub.id, user)
                st.rerun()
        c1, c2, c3 = st.columns([1, 2, 1])
        every = c1.selectbox("E-mail it", subscriptions.EVERY, key=f"every_{view.id}")
        address = c2.text_input("To", value=user if "@" in user else "", key=f"to_{view.id}")
        if c3.button("Subscribe", key=f"subscribe_{view.id}", icon=":material/mail:"):
            _subscribe(view, str(every), address)
        if c3.button("Delete view", key=f"delete_{view.id}", icon=":material/delete:"):
            store.cancel(view.id, user)
            st.rerun()


# --- Alerts: the same checks and the same store as `evdash subscribe --alert` ------------------------------

ui.subheader("Alerts")
alert_choices = ui.view(ctx, saved_views.alert_choices, None)
brands = alert_choices.brands
brand_names = dict(zip(brands["brand_id"].astype(str), brands["name"].astype(str), strict=True))
market_names = subscriptions.market_names_in(alert_choices.market_years)
with st.form("alert"):
    c1, c2 = st.columns(2)
    kind = c1.selectbox(
        "Alert",
        list(subscriptions.ALERTS),
        format_func=lambda k: subscriptions.ALERTS[k].name,
        key="alert_kind",
    )
    threshold = c2.number_input(
        "Threshold (N)",
        value=None,
        step=1,
        placeholder="the alert's default",
        help=subscriptions.threshold_help(),
        key="alert_threshold",
    )
    brand = c1.selectbox(
        "Brand",
        list(brand_names),
        index=list(brand_names).index(subscriptions.DEFAULT_BRAND)
        if subscriptions.DEFAULT_BRAND in brand_names
        else 0,
        format_func=lambda b: brand_names[b],
        key="alert_brand",
    )
    market = c2.selectbox(
        "Market (for a duty or VAT change)",
        ["", *market_names],
        format_func=lambda m: market_names[m] if m else "The brand's focus markets",
        key="alert_market",
    )
    alert_to = st.text_input("To", value=user if "@" in user else "", key="alert_to")
    add_alert = st.form_submit_button("Subscribe to this alert", icon=":material/notifications:")
if add_alert:
    try:
        with ui.cursor(ctx) as cur:
            record = subscriptions.alert_subscription(
                cur,
                alert_to,
                str(kind),
                user,
                None if threshold is None else int(threshold),
                brand,
                market or None,
            )
        store.add(record)
        ui.success("Subscribed: {line}.", line=subscriptions.alert_line(record, brand_names, market_names))
    except subscriptions.SubscriptionError as exc:
        ui.error("Not subscribed: {why}", why=str(exc))

alerts = [sub for sub in subscriptions.active(store, user) if "alert" in sub.body]
if not alerts:
    ui.info("No alert yet: choose one above and subscribe to it.", icon=":material/info:")
for sub in alerts:
    c1, c2 = st.columns([3, 1])
    ui.markdown("{line}", container=c1, line=subscriptions.alert_line(sub, brand_names, market_names))
    if c2.button("Cancel", key=f"cancel_{sub.id}", icon=":material/cancel:"):
        store.cancel(sub.id, user)
        st.rerun()
