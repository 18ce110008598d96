"""Plotly charts on screen, drawn by plotly.js's finance bundle instead of the full one.

``st.plotly_chart`` draws with the full plotly.js that Streamlit carries (4.7 MB). A
browser tab evaluates it when its first chart arrives: 0.7–0.9 s of the main thread on
the two-core machine the speed figures are measured on, during which nothing else on
the page is drawn (the Defectors target list waited for it). The app's charts need
three trace types (bar, scatter, funnel), all in plotly.js's published "finance"
bundle (``static/plotly-finance.min.js``, the npm package ``plotly.js-finance-dist-min``
as published, MIT licence beside it), which evaluates in 0.15–0.3 s.

``chart(fig, t, key=...)`` sends the figure as Plotly's JSON, exactly as built by
``research/reports/charts.py`` (the same figures the HTML reports draw with the full
bundle), to a small component that loads the bundle once per tab from the app's static
folder (``server.enableStaticServing``) and draws with ``Plotly.react``. The chart
follows the width of its column; the figure's own height stays.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from research.base.i18n import Translator

BUNDLE = "plotly-finance.min.js"
BUNDLE_VERSION = "4.1.0"  # the npm package's version; a new file needs a new address

_HTML = '<div class="defectors-chart" role="img"></div>'

_CSS = """
.defectors-chart { width: 100%; min-height: 60px; }
"""

# one load per tab, shared by every chart on it and kept across pages
_LOAD = r"""
const loadPlotly = (src) => {
  window.__defectorsPlotly ??= new Promise((resolve, reject) => {
    if (window.Plotly) { resolve(window.Plotly); return; }
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => { window.__defectorsPlotly = undefined; reject(new Error(src)); };
    document.head.appendChild(script);
  });
  return window.__defectorsPlotly;
};
"""

_JS = (
    _LOAD
    + r"""
export default function({ parentElement, data }) {
  const box = parentElement.querySelector(".defectors-chart");
  const figure = JSON.parse(data.figure);
  box.setAttribute("aria-label", data.title || "");
  box.style.height = (figure.layout && figure.layout.height ? figure.layout.height : 450) + "px";
  let observer = null;
  let gone = false;
  // one chart at a time, each in its own task after the one before has been painted: the
  // first chart on a page shows without waiting for the others to be drawn
  const painted = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const draw = (Plotly) => {
    if (gone) return null;
    Plotly.react(box, figure.data, figure.layout, { responsive: true, displaylogo: false });
    // a column that narrows or widens (the sidebar folded) redraws the chart to fit
    observer = new ResizeObserver(() => { if (box.isConnected) Plotly.Plots.resize(box); });
    observer.observe(box);
    return painted();
  };
  const drawn = (window.__defectorsCharts ?? Promise.resolve())
    .then(() => loadPlotly(data.src))
    .then(draw)
    .catch(() => { box.textContent = data.failed; });
  window.__defectorsCharts = drawn;  // never rejects: one chart's failure stops no other
  return () => { gone = true; if (observer) observer.disconnect(); };
}
"""
)

_component = st.components.v2.component(
    "defectors_chart", html=_HTML, css=_CSS, js=_JS, isolate_styles=False
)

# Loads the bundle and shows nothing (its element takes no room either)
_preloader = st.components.v2.component(
    "defectors_chart_preload",
    html='<div class="defectors-chart-preload"></div>',
    css=".stElementContainer:has(.defectors-chart-preload) { display: none; }",
    js=_LOAD
    + r"""
export default function({ data }) {
  loadPlotly(data.src).catch(() => {});  // a chart that cannot load it says so itself
}
""",
    isolate_styles=False,
)


def bundle_address() -> str:
    """Where the app serves the bundle: its static folder, under the server's base path."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/{BUNDLE}?v={BUNDLE_VERSION}"


def chart(fig: go.Figure, t: Translator, *, key: str) -> None:
    """Draw ``fig`` across its column (if the bundle cannot be loaded, the box says so in
    the reader's language)."""
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    _component(
        data={
            "figure": fig.to_json(),
            "src": bundle_address(),
            "title": title,
            "failed": t("chart.failed"),
        },
        key=key,
    )


def preload() -> None:
    """Start loading the bundle now, for charts the page will send in a moment.

    A new tab loads the bundle when its first chart arrives, and evaluates it (0.15–0.3 s
    of the one main thread) while the rest of the page is drawn at the same time. Sent
    before the page's own elements, the hidden element gets it loaded while the server
    computes the page, so the first chart is drawn when it arrives: 0.26–0.32 s sooner
    on the Analysis page (whose content is its charts). On a page whose content is a
    table the same early load delays the table instead: app.py asks for it only on the
    pages of ``screen.site.CHARTS_FIRST``."""
    _preloader(data={"src": bundle_address()}, key="defectors_chart_preload")
