"""The app's frame: page config, shared store, language, study picker, navigation."""

import streamlit as st

import ui

st.set_page_config(page_title="Defector research", page_icon="🔎", layout="wide")

t = ui.translator()
with st.spinner(t("app.opening")):
    ui.store()
nav = st.sidebar.container()  # filled below, once the language is known
ui.sidebar()
t = ui.translator()

PAGES = [
    st.Page("pages/study.py", title=t("nav.study"), icon=":material/flag:", url_path="study",
            default=True),
    st.Page("pages/import_data.py", title=t("nav.import"), icon=":material/upload_file:",
            url_path="import"),
    st.Page("pages/defectors.py", title=t("nav.defectors"), icon=":material/person_remove:",
            url_path="defectors"),
]

# Our own links instead of Streamlit's menu: the legacy pages/ menu is switched off in
# .streamlit/config.toml, so the first session after a start cannot show it either.
page = st.navigation(PAGES, position="hidden")
with nav:
    for p in PAGES:
        st.page_link(p)
    st.divider()
page.run()
