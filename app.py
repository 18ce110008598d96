"""The app's frame: page config, shared store, language, study picker, navigation."""

import streamlit as st

from screen import ui

st.set_page_config(page_title="Defector research", page_icon="🔎", layout="wide")
st.session_state["app_frame_seen"] = True

t = ui.translator()
with st.spinner(t("app.opening")):
    ui.store()
nav = st.sidebar.container()  # filled below, once the language is known
ui.sidebar()
t = ui.translator()

# (file, title key, icon, address)
PAGE_FILES = [
    ("pages/study.py", "nav.study", ":material/flag:", "study"),
    ("pages/import_data.py", "nav.import", ":material/upload_file:", "import"),
    ("pages/defectors.py", "nav.defectors", ":material/person_remove:", "defectors"),
    ("pages/team.py", "nav.team", ":material/groups:", "team"),
    ("pages/call_desk.py", "nav.call_desk", ":material/call:", "call-desk"),
    ("pages/agenda.py", "nav.agenda", ":material/event:", "agenda"),
    ("pages/interview.py", "nav.interview", ":material/record_voice_over:", "interview"),
    ("pages/taxonomy.py", "nav.taxonomy", ":material/account_tree:", "taxonomy"),
    ("pages/analysis.py", "nav.analysis", ":material/analytics:", "analysis"),
    ("pages/review.py", "nav.review", ":material/fact_check:", "review"),
    ("pages/reports.py", "nav.reports", ":material/description:", "reports"),
]
PAGES = [
    st.Page(file, title=t(title), icon=icon, url_path=address)
    for file, title, icon, address in PAGE_FILES
]


def front_door() -> None:
    """The root address opens the Study page under its own address: the default page of
    st.navigation lives at "/" only, so /study would be "page not found" in a browser
    that had already opened the app once."""
    st.switch_page(PAGES[0], query_params=st.query_params.to_dict())


# Our own links instead of Streamlit's menu: the legacy pages/ menu is switched off in
# .streamlit/config.toml, so the first session after a start cannot show it either.
FRONT = st.Page(front_door, title=t("nav.study"), url_path="home", default=True)
page = st.navigation([FRONT, *PAGES], position="hidden")
ui.mark_frame({file: p for (file, *_), p in zip(PAGE_FILES, PAGES, strict=True)})
with nav:
    for p in PAGES:
        st.page_link(p)
    st.divider()
ui.show_notices()
if page is not FRONT:  # the front door's run is replaced by the Study page's
    ui.address_notice()
page.run()
