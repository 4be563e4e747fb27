"""Saved views: a signed-in user saves a page with the choices made on it under a name, opens it again
from here (the link keeps its settings) and has it e-mailed daily, weekly or monthly (`evdash deliver`
sends it). The rules and the store are evdash.subscriptions and evdash.journal; this page only lays out."""

from __future__ import annotations

from urllib.parse import parse_qs

import streamlit as st

from evdash import subscriptions, text, ui
from evdash.journal import open_store
from evdash.journal.subscriptions import Record

ctx = ui.frame("Saved views")
user = ui.current_user()
store = open_store()
ui.title("Saved views")
ui.caption(
    "Save a page with the choices you made on it, open it again from here, and have it e-mailed to you "
    "daily, weekly or monthly. Alerts are set up from the command line (*evdash subscribe*)."
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
