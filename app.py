"""The app's frame: page config, shared store, language, study picker, navigation."""

import streamlit as st

from research.base.errors import ResearchError
from screen import signin, ui
from screen.chart import preload as preload_charts
from screen.site import CHARTS_FIRST, PAGE_FILES, may_open

st.set_page_config(page_title="Defector research", page_icon="🔎", layout="wide")
st.session_state["app_frame_seen"] = True

t = ui.translator()
with st.spinner(t("app.opening")):
    ui.store()
ui.warm_up()
me = ui.person()  # read once for the frame (each read asks the store); signing out reruns
signed_in = me is not None
nav = st.sidebar.container()  # filled below, once the language is known
if signed_in:
    ui.sidebar()
t = ui.translator()

PAGES = [
    st.Page(file, title=t(title), icon=icon, url_path=address)
    for file, title, icon, address, _ in PAGE_FILES
]
FILES = {p: file for p, (file, *_) in zip(PAGES, PAGE_FILES, strict=True)}
ALLOWED = {p: may_open(me, file) for p, file in FILES.items()}


def front_door() -> None:
    """The root address opens the Study page under its own address: the default page of
    st.navigation lives at "/" only, so /study would be "page not found" in a browser
    that had already opened the app once."""
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())


# Our own links instead of Streamlit's menu: the legacy pages/ menu is switched off in
# .streamlit/config.toml, so the first session after a start cannot show it either.
FRONT = st.Page(front_door, title=t("nav.study"), url_path="home", default=True)
page = st.navigation([FRONT, *PAGES], position="hidden")
if not signed_in:  # the address stays: after signing in, the page asked for opens
    signin.sign_in_screen()
    st.stop()
if FILES.get(page) in CHARTS_FIRST and ALLOWED[page]:  # first in the page: see preload's note
    preload_charts()
ui.mark_frame({file: p for p, file in FILES.items()})
with nav:
    for p in PAGES:
        if ALLOWED[p]:
            st.page_link(p)
    st.divider()
if page is not FRONT:  # the front door switches at once: its elements never reach the browser
    # just signed in: the browser keeps the session's token. Last in the sidebar: shown
    # once in the page, it would move everything under it on the next run, and the
    # browser would build the page anew (a text box being typed in among it)
    with st.sidebar:
        signin.keep_cookie()
ui.show_notices()
if page is not FRONT:  # the front door's run is replaced by the Study page's
    ui.address_notice()
try:
    page.run()  # a page the person may not open says so itself (screen/ui.py)
except ResearchError as refused:  # research/ refused a read the page asked for: say why
    ui.show_error(refused)
