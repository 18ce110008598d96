"""Analysis: why customers left, in numbers a review meeting can trust.

Every chart and table below obeys the filter bar; every share shows its count, the
number of interviews it is a share of and a 95% interval."""

import streamlit as st

from research.analysis import causes, rates, trends, worth
from research.base.errors import ResearchError
from research.reports import charts
from research.selection.detection import SEGMENTS
from screen import analysis as analysis_screen
from screen import ui
from screen.chart import chart
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()

st.title(t("analysis.title"))
view = analysis_screen.filters(store, study, t, "analysis")
table = causes.cause_table(store, view.filt, by=view.by, with_secondary=view.with_secondary)
if table.n == 0:
    st.info(t("analysis.no_findings"))
    st.stop()
labels = analysis_screen.cause_labels(store, t, view.by)
code_labels = analysis_screen.cause_labels(store, t, "code")
if table.small_sample:
    st.warning(
        t("analysis.small_sample", n=t.number(table.n), min=causes.SMALL_SAMPLE, count=table.n)
    )

# Only the open tab is computed and sent (a tab change reruns the page): the rates tab
# reads the whole ledger once per version of it, which the other tabs need not wait for.
tab_causes, tab_breakdown, tab_competitors, tab_words, tab_trends, tab_rates = st.tabs(
    [
        t("analysis.tab.causes"),
        t("analysis.tab.breakdowns"),
        t("analysis.tab.competitors"),
        t("analysis.tab.verbatims"),
        t("analysis.tab.trends"),
        t("analysis.tab.rates"),
    ],
    key="analysis_tab",
    on_change="rerun",
)

if tab_causes.open:
    with tab_causes:
        chart(charts.cause_pareto(table, labels, t), t, key="analysis_pareto")
        chart(charts.cause_weighted(table, labels, t), t, key="analysis_weighted")
        # one set of headers for the table on screen and its downloads
        cause_headers = {
            "cause": t("analysis.col.cause"),
            "findings": t("analysis.col.findings"),
            "of": t("analysis.col.of"),
            "share": t("analysis.col.share"),
            "share_low": t("analysis.col.low"),
            "share_high": t("analysis.col.high"),
            "spend_lost": t("analysis.col.spend_lost"),
            "spend_share": t("analysis.col.spend_share"),
        }
        numbers = table.frame()
        numbers["cause"] = numbers["cause"].map(lambda k: labels.get(k, k))
        shown = numbers.rename(columns={"cause": cause_headers["cause"]})
        shown["spend_lost"] = shown["spend_lost"].map(lambda v: analysis_screen.money_cell(t, v))
        st.dataframe(
            shown,
            hide_index=True,
            column_config=analysis_screen.column_config(
                {k: v for k, v in cause_headers.items() if k != "cause"},  # renamed: its header
                numbers=("findings", "of"),
                percents=("share", "share_low", "share_high", "spend_share"),
            ),
        )
        analysis_screen.downloads(
            t,
            analysis_screen.table_file(numbers, cause_headers, money=("spend_lost",)),
            "causes",
            "analysis_causes",
        )

if tab_breakdown.open:
    with tab_breakdown:
        shares = causes.control_shares(store, view.filt)
        m1, m2 = st.columns(2)
        for column, key, share in (
            (m1, "analysis.controllable", shares.controllable),
            (m2, "analysis.involuntary", shares.involuntary),
        ):
            column.metric(t(key), t.percent(share.share))
            column.caption(
                t(
                    "analysis.share_caption",
                    count=t.number(share.count),
                    n=t.number(share.n),
                    low=t.percent(share.low),
                    high=t.percent(share.high),
                )
            )
        dimension = st.selectbox(
            t("analysis.cross_by"),
            list(causes.CROSS_DIMENSIONS),
            format_func=lambda d: t(f"analysis.dimension.{d}"),
            key="analysis_dimension",
        )
        crossed = causes.cross_tab(store, view.filt, dimension, by=view.by)
        crossed.index = [
            labels.get(k, t("common.total") if k == "total" else k) for k in crossed.index
        ]
        crossed.columns = [
            analysis_screen.dimension_value(t, dimension, c) for c in crossed.columns
        ]
        st.dataframe(crossed)
        analysis_screen.downloads(
            t, crossed.reset_index(names=""), f"causes-by-{dimension}", "analysis_cross"
        )
        chart(
            charts.satisfaction_profile(causes.satisfaction_profile(store, view.filt), t),
            t,
            key="analysis_satisfaction",
        )

if tab_competitors.open:
    with tab_competitors:
        competitors = causes.competitors(store, view.filt)
        won = competitors.copy()  # shown with labels; the verbatim filter keeps the names
        if won.empty:
            st.info(t("analysis.no_competitors"))
        else:
            won["causes"] = won["causes"].map(
                lambda codes: ", ".join(code_labels.get(c, c) for c in codes)
            )
            won_numbers = won.copy()
            won["spend_lost"] = won["spend_lost"].map(lambda v: analysis_screen.money_cell(t, v))
            competitor_headers = {
                "competitor": t("analysis.col.competitor"),
                "findings": t("analysis.col.findings"),
                "spend_lost": t("analysis.col.spend_lost"),
                "causes": t("analysis.col.causes"),
            }
            st.dataframe(
                won,
                hide_index=True,
                column_config=analysis_screen.column_config(
                    competitor_headers, numbers=("findings",)
                ),
            )
            analysis_screen.downloads(
                t,
                analysis_screen.table_file(won_numbers, competitor_headers, money=("spend_lost",)),
                "competitors",
                "analysis_competitors",
            )

if tab_words.open:
    with tab_words:
        # the verbatims pick from primary causes and competitors
        primary = (
            table
            if view.by == "code" and not view.with_secondary
            else causes.cause_table(store, view.filt)
        )
        competitors = causes.competitors(store, view.filt)
        c1, c2 = st.columns(2)
        cause_pick = c1.selectbox(
            t("analysis.col.cause"),
            [r.key for r in primary.rows],
            index=None,
            format_func=lambda k: code_labels.get(k, k),
            placeholder=t("common.all"),
            key="analysis_quote_cause",
        )
        competitor_pick = c2.selectbox(
            t("analysis.col.competitor"),
            list(competitors["competitor"]),
            index=None,
            placeholder=t("common.all"),
            key="analysis_quote_competitor",
        )
        quotes = causes.verbatims(store, view.filt, cause=cause_pick, competitor=competitor_pick)
        if quotes.empty:
            st.info(t("analysis.no_verbatims"))
        else:
            quotes["cause"] = quotes["cause"].map(lambda k: code_labels.get(k, k))
            quotes["segment"] = quotes["segment"].map(
                lambda s: t.segment(None if s == "none" else s)
            )
            for column in ("competitor", "customer_id", "text"):
                quotes[column] = quotes[column].map(analysis_screen.text_cell)
            quotes["record"] = quotes["finding_id"].map(lambda i: f"/interview?finding={i}")
            shown_columns = ["text", "cause", "segment", "competitor", "customer_id", "held_on"]
            if ui.may("findings.write"):  # a link only for those who may open the record
                shown_columns.append("record")
            st.dataframe(
                quotes[shown_columns],
                hide_index=True,
                column_config={
                    "text": st.column_config.TextColumn(t("analysis.col.verbatim"), width="large"),
                    "cause": st.column_config.TextColumn(t("analysis.col.cause")),
                    "segment": st.column_config.TextColumn(t("field.segment")),
                    "competitor": st.column_config.TextColumn(t("analysis.col.competitor")),
                    "customer_id": st.column_config.TextColumn(t("field.customer_id")),
                    "held_on": st.column_config.DateColumn(t("analysis.col.held_on")),
                    "record": st.column_config.LinkColumn(
                        t("analysis.col.record"), display_text=t("analysis.open_record")
                    ),
                },
            )
            analysis_screen.downloads(
                t, quotes.drop(columns=["record"]), "verbatims", "analysis_verbatims"
            )

if tab_trends.open:
    with tab_trends:
        quarterly = trends.quarterly_counts(store, view.filt)
        if quarterly.empty or len(quarterly.columns) < 2:
            st.info(t("analysis.one_quarter"))
        if not quarterly.empty:
            shown = quarterly.copy()
            shown.index = [
                t("analysis.interviews") if k == "interviews" else code_labels.get(k, k)
                for k in shown.index
            ]
            st.dataframe(shown)
            analysis_screen.downloads(
                t, shown.reset_index(names=""), "causes-by-quarter", "analysis_q"
            )
        for change in trends.latest_changes(quarterly):
            flag = t("analysis.emerging") + " · " if change.emerging else ""
            st.text(
                f"{flag}{code_labels.get(change.cause, change.cause)} ({change.before} → "
                f"{change.after}): {change.verdict(t)}"
            )

if tab_rates.open:
    with tab_rates:
        st.caption(t("analysis.rates_intro", study=literal(study.name), window=study.window_months))
        quarters = rates.last_quarters(8, study.as_of)
        try:
            by_quarter = rates.quarterly_rates(store, study, quarters)
        except ResearchError as e:
            ui.show_error(e)
            st.stop()
        chart(charts.defection_rates(by_quarter, t), t, key="analysis_rates_chart")
        shown_rates = by_quarter.copy()
        shown_rates["segment"] = shown_rates["segment"].map(
            lambda s: t("common.total") if s == "all" else t.segment(s)
        )
        shown_rates["yearly_value"] = shown_rates["yearly_value"].map(
            lambda v: analysis_screen.money_cell(t, v)
        )
        for column in ("rate", "rate_low", "rate_high"):
            shown_rates[column] = shown_rates[column].map(
                lambda v: analysis_screen.percent_cell(t, v, 1)
            )
        rate_headers = {
            "quarter": t("analysis.col.quarter"),
            "segment": t("field.segment"),
            "customers": t("analysis.col.base"),
            "full": t("status.full"),
            "partial": t("status.partial"),
            "rate": t("analysis.col.rate"),
            "rate_low": t("analysis.col.low"),
            "rate_high": t("analysis.col.high"),
            "yearly_value": t("analysis.col.yearly_value"),
        }
        st.dataframe(
            shown_rates,
            hide_index=True,
            column_config=analysis_screen.column_config(
                rate_headers, numbers=("customers", "full", "partial")
            ),
        )
        analysis_screen.downloads(
            t,
            analysis_screen.table_file(
                by_quarter.assign(segment=shown_rates["segment"]),
                rate_headers,
                money=("yearly_value",),
            ),
            "defection-rates",
            "analysis_rates",
        )
        st.subheader(t("analysis.movement_title"))
        moved = rates.movement(store, study, quarters)
        st.dataframe(
            moved[["quarter", "customers", "rose", "held", "fell", "by_share_of_wallet"]],
            hide_index=True,
            column_config={
                "quarter": st.column_config.TextColumn(t("analysis.col.quarter")),
                "customers": st.column_config.NumberColumn(t("analysis.col.base")),
                "rose": st.column_config.NumberColumn(t("analysis.col.rose")),
                "held": st.column_config.NumberColumn(t("analysis.col.held")),
                "fell": st.column_config.NumberColumn(t("analysis.col.fell")),
                "by_share_of_wallet": st.column_config.NumberColumn(t("analysis.col.by_share")),
            },
        )
        st.subheader(t("analysis.followup_title"))
        followed = rates.follow_up(store, study, view.filt.study_ids)
        if followed.customers.empty:
            st.info(t("analysis.followup_none"))
        else:
            by_cause = followed.by_cause.copy()
            by_cause["cause"] = by_cause["cause"].map(lambda c: code_labels.get(c, c))
            st.dataframe(
                by_cause,
                hide_index=True,
                column_config={
                    "cause": st.column_config.TextColumn(t("analysis.col.cause")),
                    "won_back": st.column_config.NumberColumn(t("analysis.col.won_back")),
                    "partly_back": st.column_config.NumberColumn(t("analysis.col.partly_back")),
                    "still_gone": st.column_config.NumberColumn(t("analysis.col.still_gone")),
                },
            )
            if not followed.by_action.empty:
                st.dataframe(
                    followed.by_action.drop(columns=["action_id"]),
                    hide_index=True,
                    column_config={
                        "title": st.column_config.TextColumn(t("analysis.col.action")),
                        "won_back": st.column_config.NumberColumn(t("analysis.col.won_back")),
                        "partly_back": st.column_config.NumberColumn(t("analysis.col.partly_back")),
                        "still_gone": st.column_config.NumberColumn(t("analysis.col.still_gone")),
                    },
                )
        st.subheader(t("analysis.worth_title"))
        c1, c2, c3 = st.columns(3)
        cut = c1.number_input(t("analysis.worth_cut"), 1, 50, 5, key="analysis_worth_cut") / 100
        horizon = c2.number_input(t("analysis.worth_horizon"), 1, 20, 5, key="analysis_worth_h")
        discount = (
            c3.number_input(t("analysis.worth_discount"), 0, 30, 0, key="analysis_worth_d") / 100
        )
        segments_now = by_quarter[by_quarter["quarter"] == quarters[-1]]
        inputs = []
        for segment in SEGMENTS:
            row = segments_now[segments_now["segment"] == segment].iloc[0]
            yearly = worth.yearly_from_window(row["rate"], study.window_months)
            if yearly is not None and row["customers"]:
                inputs.append(
                    (segment, int(row["customers"]), yearly, float(row["yearly_value"] or 0))
                )
        if not inputs:
            st.info(t("analysis.worth_none"))
        else:
            model = worth.worth(inputs, cut=cut, horizon_years=int(horizon), discount_rate=discount)
            st.dataframe(
                [
                    {
                        t("field.segment"): t.segment(w.segment),
                        t("analysis.col.customers"): w.customers,
                        t("analysis.col.yearly_rate"): analysis_screen.percent_cell(
                            t, w.yearly_rate, 1
                        ),
                        t("analysis.col.lifetime"): ""
                        if analysis_screen.missing(w.lifetime_years)
                        else t.number(w.lifetime_years, 1),
                        t("analysis.col.yearly_value"): analysis_screen.money_cell(
                            t, w.yearly_value
                        ),
                        t("analysis.col.value_kept"): analysis_screen.money_cell(t, w.value_kept),
                        t("analysis.col.value_kept_share"): analysis_screen.percent_cell(
                            t, w.value_kept_share, 1
                        ),
                    }
                    for w in model
                ],
                hide_index=True,
            )
            st.caption(t("report.worth_model_note"))
            for key in worth.ASSUMPTIONS:
                st.caption("· " + t(key))
