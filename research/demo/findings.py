"""Interview findings for the demo study: one record for every interview the demo's
call desk held (``research.demo.desk``), written by the senior manager who held it and
dated on the day of the interview, in Chinese for Chinese customers and in English for
the others, covering every group of the taxonomy. Every record is final except those of
the latest few interviews, which are still drafts, and a second, blind coding of a
share of the final ones has been done (with two disagreements to settle, and two
picked interviews still waiting for a second coder).

What each defector says is their story (``STORIES``), chosen by the call desk when they
agreed to an interview, so the screening answers and the findings agree. Seeded, so
the same demo is built every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from research.base.store import Store
from research.base.studies import Study
from research.desk import scheduling
from research.findings import agreement, interviews, taxonomy

DRAFTS = 3  # the latest interviews held: their records are still drafts
SECOND_CODING_SHARE = 0.3
SECOND_CODER = "孙悦"  # the study's marketing manager (research.demo.desk.OTHERS)
LEFT_TO_CODE = 2
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Story:
    primary: str
    secondary: tuple[str, ...]
    second_coder_alternative: str  # what a second coder might reasonably pick instead
    stage: str
    destination: str
    competitor: str | None
    win_back: str
    satisfaction: tuple[str, str, str, str, str]  # product, service, delivery, value, communication
    en: dict
    zh: dict


H, F, N, S, V = (
    "highly_satisfied",
    "fairly_satisfied",
    "no_opinion",
    "somewhat_dissatisfied",
    "very_dissatisfied",
)

STORIES = (
    Story(
        "staff_attitude",
        ("complaint_unresolved",),
        "complaint_unresolved",
        "complaint_handling",
        "competitor",
        "Bluepeak Instruments",
        "maybe",
        (F, V, F, N, S),
        en={
            "whys": [
                "Your people did not seem to care about our problems.",
                "Our calls to the hotline were passed around for days.",
                "Nobody owned the case after the engineer left.",
                "The service desk is measured on closing tickets, not on solving them.",
                "Nobody at your company is responsible for the customer as a whole.",
            ],
            "quotes": [
                "Every call I had to explain the whole story again.",
                "I felt like a ticket number, not a customer.",
            ],
            "summary": "Lab head left after repeated indifferent handling of support calls; "
            "the product itself was fine.",
            "needs": "A named contact who calls back the same day, and an apology from a "
            "senior manager.",
        },
        zh={
            "whys": [
                "贵公司的人好像根本不在乎我们的问题。",
                "打服务热线，几天都在被转来转去。",
                "工程师离开后，没有人跟进这个问题。",
                "服务台只考核关单数量，不考核问题有没有解决。",
                "贵公司没有人对客户整体负责。",
            ],
            "quotes": ["每次打电话都得从头再讲一遍。", "感觉我只是一个工单号，不是客户。"],
            "summary": "实验室主任因多次得到冷漠的服务而离开；产品本身没有问题。",
            "needs": "指定一位当天回电的专人，并由高层经理当面道歉。",
        },
    ),
    Story(
        "product_quality",
        ("after_sales_service",),
        "after_sales_service",
        "routine_ordering",
        "competitor",
        "Harbor Diagnostics",
        "no",
        (V, S, F, S, N),
        en={
            "whys": [
                "The analyser kept breaking down.",
                "The same sensor failed three times in two months.",
                "The replacement parts came from an old batch.",
                "Quality control did not block the faulty batch.",
                "No one tracks field failures back to production.",
            ],
            "quotes": [
                "We lost two days of samples because of one sensor.",
                "Reliability matters more to us than price.",
            ],
            "summary": "Repeated failures of the same part destroyed trust in the analyser.",
            "needs": "Proof that the failure cause is fixed, and a free replacement unit.",
        },
        zh={
            "whys": [
                "分析仪总是出故障。",
                "同一个传感器两个月内坏了三次。",
                "换上的备件是旧批次的。",
                "质检没有拦住有问题的批次。",
                "没有人把现场故障追溯到生产环节。",
            ],
            "quotes": [
                "就因为一个传感器，我们损失了两天的样本。",
                "对我们来说，可靠性比价格更重要。",
            ],
            "summary": "同一部件反复故障，客户对分析仪彻底失去信心。",
            "needs": "证明故障原因已经解决，并免费更换一台新机。",
        },
    ),
    Story(
        "delivery_logistics",
        ("too_little_communication",),
        "too_little_communication",
        "delivery",
        "competitor",
        "Summit Lab Supply",
        "yes",
        (F, F, V, N, S),
        en={
            "whys": [
                "Reagents arrived late again and again.",
                "Orders were split and shipped from two warehouses.",
                "The regional warehouse was often out of stock.",
                "Stock levels are planned once a year.",
                "Nobody forecasts demand per customer.",
            ],
            "quotes": ["We had to postpone patient tests twice last month."],
            "summary": "Late and incomplete reagent deliveries forced the lab to a "
            "competitor with a local warehouse.",
            "needs": "Guaranteed 48-hour delivery with a stock reserved for them.",
        },
        zh={
            "whys": [
                "试剂一再晚到。",
                "订单被拆开，从两个仓库分别发货。",
                "区域仓库经常缺货。",
                "库存一年才计划一次。",
                "没有人按客户预测需求。",
            ],
            "quotes": ["上个月我们两次不得不推迟病人的检测。"],
            "summary": "试剂交货迟且不完整，实验室转向了一家有本地仓库的竞争对手。",
            "needs": "保证 48 小时内送达，并为其预留库存。",
        },
    ),
    Story(
        "price_value",
        ("competitor_lower_price",),
        "competitor_lower_price",
        "contract_renewal",
        "competitor",
        "Crescent Biotech",
        "maybe",
        (F, F, F, V, N),
        en={
            "whys": [
                "The renewal price was too high.",
                "The price rose 12% without any new service.",
                "The list price increase was applied to everyone.",
                "Pricing does not look at what each customer values.",
            ],
            "quotes": ["For twelve percent more, I expected something more."],
            "summary": "A blanket price increase at renewal without added value.",
            "needs": "Last year's price, or the increase tied to a service upgrade.",
        },
        zh={
            "whys": [
                "续约价格太高。",
                "价格涨了 12%，服务却没有任何增加。",
                "涨价是对所有客户一刀切的。",
                "定价时没有考虑每个客户看重什么。",
            ],
            "quotes": ["多付百分之十二，我总得多得到点什么吧。"],
            "summary": "续约时统一涨价，却没有增加任何价值。",
            "needs": "恢复去年的价格，或者把涨价和服务升级挂钩。",
        },
    ),
    Story(
        "policy_change",
        ("price_value",),
        "repositioning",
        "routine_ordering",
        "competitor",
        "Pioneer Scientific",
        "yes",
        (H, F, F, S, S),
        en={
            "whys": [
                "We could no longer order the small quantities we need.",
                "The minimum order was raised to ¥20,000.",
                "Head office wanted fewer, larger orders.",
                "Logistics cost per order was the only measure considered.",
            ],
            "quotes": ["We are a small lab. We cannot store that much."],
            "summary": "Pushed out by the new minimum order value; an involuntary defection.",
            "needs": "An exception to the minimum order, or a distributor who can serve them.",
        },
        zh={
            "whys": [
                "我们再也不能按需要小批量订货了。",
                "最低订货额提高到了两万元。",
                "总部希望订单少而大。",
                "只考虑了每单物流成本这一个指标。",
            ],
            "quotes": ["我们是个小实验室，放不下那么多货。"],
            "summary": "新的最低订货额把客户挤走了，属于非自愿流失。",
            "needs": "对最低订货额破例，或安排能服务他们的经销商。",
        },
    ),
    Story(
        "account_manager_left",
        ("staff_attitude",),
        "competitor_better_service",
        "account_manager_change",
        "competitor",
        "Meridian Medical",
        "maybe",
        (F, F, F, N, S),
        en={
            "whys": [
                "We followed Mr Zhou to his new company.",
                "He knew our lab and our budget cycle.",
                "His successor never visited us.",
                "Handovers of accounts are not planned.",
            ],
            "quotes": ["It is the person I trust, not the logo."],
            "summary": "The relationship left with the account manager; no handover visit.",
            "needs": "A senior visit and a dedicated account manager who stays.",
        },
        zh={
            "whys": [
                "我们跟着周经理去了他的新公司。",
                "他了解我们实验室和我们的预算周期。",
                "接替他的人从来没来拜访过。",
                "客户交接没有计划。",
            ],
            "quotes": ["我信任的是人，不是品牌。"],
            "summary": "客户关系随客户经理一起走了；接任者没有上门交接。",
            "needs": "高层上门拜访，并指定一位稳定的客户经理。",
        },
    ),
    Story(
        "after_sales_service",
        ("delivery_logistics",),
        "complaint_unresolved",
        "after_sales_service",
        "competitor",
        "Keystone Instruments",
        "yes",
        (F, V, S, N, S),
        en={
            "whys": [
                "Repairs took too long.",
                "The engineer came two weeks after the call.",
                "Only one engineer covers the whole province.",
                "Service capacity was cut to save costs.",
            ],
            "quotes": ["Two weeks without the machine is two weeks without income."],
            "summary": "Slow on-site service after a breakdown.",
            "needs": "A service contract with a 48-hour on-site guarantee.",
        },
        zh={
            "whys": [
                "维修太慢。",
                "报修两周后工程师才来。",
                "全省只有一名工程师。",
                "为了节省成本削减了服务人员。",
            ],
            "quotes": ["机器停两周，就是两周没有收入。"],
            "summary": "设备故障后，上门服务太慢。",
            "needs": "签订保证 48 小时内上门的服务合同。",
        },
    ),
    Story(
        "too_little_communication",
        ("product_fit",),
        "product_fit",
        "routine_ordering",
        "competitor",
        "Evergreen Lab",
        "maybe",
        (F, F, F, N, V),
        en={
            "whys": [
                "We did not know about your new test panels.",
                "Nobody from your side visited for a year.",
                "The sales team focuses on new accounts.",
            ],
            "quotes": ["The competitor told us about products you also had."],
            "summary": "The customer bought elsewhere what we also sell, because nobody told them.",
            "needs": "Regular visits and a product update twice a year.",
        },
        zh={
            "whys": [
                "我们不知道你们推出了新的检测项目。",
                "你们一年都没人来拜访。",
                "销售团队只盯着新客户。",
            ],
            "quotes": ["竞争对手给我们介绍的产品，其实你们也有。"],
            "summary": "客户从别处买了我们也有的产品，因为没有人告诉他们。",
            "needs": "定期拜访，每年两次产品更新介绍。",
        },
    ),
    Story(
        "competitor_lower_price",
        ("price_value",),
        "price_value",
        "contract_renewal",
        "competitor",
        "Oakridge Diagnostics",
        "no",
        (F, F, F, S, N),
        en={
            "whys": [
                "Another supplier offered the same reagents 20% cheaper.",
                "Their tender price undercut ours.",
                "Group purchasing now decides on price alone.",
            ],
            "quotes": ["Procurement gave us no choice."],
            "summary": "Lost on price in a group tender.",
            "needs": "A price within 5% of the tender winner.",
        },
        zh={
            "whys": [
                "另一家供应商同样的试剂便宜 20%。",
                "他们的投标价比我们低。",
                "集团采购现在只看价格。",
            ],
            "quotes": ["采购部门没有给我们选择的余地。"],
            "summary": "在集团招标中因价格落选。",
            "needs": "价格与中标价相差不超过 5%。",
        },
    ),
    Story(
        "competitor_better_product",
        ("product_fit",),
        "product_fit",
        "contract_renewal",
        "competitor",
        "Brightwater Analytics",
        "no",
        (S, F, F, N, F),
        en={
            "whys": [
                "The competitor's analyser runs twice as many samples per hour.",
                "Our throughput became the bottleneck.",
                "Our new model is a year late.",
            ],
            "quotes": ["Speed is everything in our lab now."],
            "summary": "A faster analyser from a competitor; our development lagged.",
            "needs": "Our next-generation analyser, with a trade-in offer.",
        },
        zh={
            "whys": [
                "竞争对手的分析仪每小时处理的样本是我们的两倍。",
                "我们的通量成了瓶颈。",
                "我们的新机型晚了一年。",
            ],
            "quotes": ["现在我们实验室最看重的就是速度。"],
            "summary": "竞争对手的分析仪更快；我们的产品开发滞后了。",
            "needs": "我们的新一代分析仪，加上以旧换新优惠。",
        },
    ),
    Story(
        "competitor_promotion",
        ("competitor_lower_price",),
        "competitor_lower_price",
        "routine_ordering",
        "competitor",
        "Silverline Labs",
        "yes",
        (F, F, F, F, N),
        en={
            "whys": ["They offered a free analyser with a two-year reagent contract."],
            "quotes": ["A free machine is hard to say no to."],
            "summary": "Won over by an aggressive placement offer.",
            "needs": "A comparable placement offer when the contract ends.",
        },
        zh={
            "whys": ["对方签两年试剂合同就送一台分析仪。"],
            "quotes": ["白送一台机器，很难拒绝。"],
            "summary": "被竞争对手的强力投放促销拉走。",
            "needs": "合同到期时提供相当的投放方案。",
        },
    ),
    Story(
        "competitor_better_service",
        ("after_sales_service",),
        "after_sales_service",
        "after_sales_service",
        "competitor",
        "Lakeside Medical",
        "maybe",
        (F, S, F, N, F),
        en={
            "whys": ["The competitor has an engineer in our city.", "They answer within hours."],
            "quotes": ["They are simply closer to us."],
            "summary": "A competitor's local service team.",
            "needs": "Local service cover.",
        },
        zh={
            "whys": ["竞争对手在我们城市有工程师。", "他们几个小时内就能响应。"],
            "quotes": ["他们离我们更近。"],
            "summary": "竞争对手有本地服务团队。",
            "needs": "提供本地服务覆盖。",
        },
    ),
    Story(
        "business_changed",
        ("needs_changed",),
        "needs_changed",
        "routine_ordering",
        "stopped",
        None,
        "no",
        (F, F, F, N, N),
        en={
            "whys": [
                "The hospital closed its microbiology department.",
                "Tests are now sent to a central lab.",
            ],
            "quotes": ["It has nothing to do with you."],
            "summary": "Department closed; tests outsourced. Not controllable.",
            "needs": "Nothing; follow the work to the central lab.",
        },
        zh={
            "whys": ["医院撤销了微生物科。", "检测现在都送到中心实验室。"],
            "quotes": ["这和你们没有关系。"],
            "summary": "科室撤销，检测外包；不可控。",
            "needs": "无需挽回；跟进承接这部分检测的中心实验室。",
        },
    ),
    Story(
        "moved_away",
        (),
        "business_changed",
        "routine_ordering",
        "stopped",
        None,
        "no",
        (H, F, F, N, F),
        en={
            "whys": ["The lab moved to another province."],
            "quotes": ["We would have stayed if you served the new site."],
            "summary": "Relocated outside our service area.",
            "needs": "A distributor at the new site.",
        },
        zh={
            "whys": ["实验室搬到了外省。"],
            "quotes": ["如果你们能服务新地点，我们本来会继续合作。"],
            "summary": "搬迁到了我们的服务区域之外。",
            "needs": "在新地点安排经销商。",
        },
    ),
    Story(
        "closed_bankrupt",
        (),
        "business_changed",
        "invoicing_payment",
        "stopped",
        None,
        "no",
        (N, N, N, N, N),
        en={
            "whys": ["The clinic went out of business."],
            "quotes": [],
            "summary": "Closed; a former customer rather than a defector.",
            "needs": "Nothing.",
        },
        zh={
            "whys": ["诊所已经倒闭。"],
            "quotes": [],
            "summary": "已倒闭；属于前客户，而不是流失客户。",
            "needs": "无。",
        },
    ),
    Story(
        "friend_recommendation",
        ("wanted_variety",),
        "wanted_variety",
        "routine_ordering",
        "competitor",
        "Redwood Supplies",
        "maybe",
        (F, F, F, N, N),
        en={
            "whys": ["A colleague at another hospital recommended a different supplier."],
            "quotes": ["She was very happy with them, so we tried them."],
            "summary": "Switched on a peer's recommendation.",
            "needs": "A reference visit to a satisfied customer of ours.",
        },
        zh={
            "whys": ["另一家医院的同行推荐了别的供应商。"],
            "quotes": ["她用得很满意，所以我们也试试。"],
            "summary": "因同行推荐而更换供应商。",
            "needs": "安排参观我们满意的老客户。",
        },
    ),
)


def _chinese(name) -> bool:
    return isinstance(name, str) and bool(_CJK.search(name))


def add_demo_findings(
    store: Store, study: Study, *, actor: str, stories: dict[str, int] | None = None
) -> int:
    """Write the findings of every interview the demo's desk held; returns how many.

    ``stories`` maps each interviewed customer to their story (``STORIES`` index), as
    ``research.demo.desk.build_desk`` chose it; without it, stories go in interview order.
    """
    held = scheduling.list_interviews(store, study, statuses=("done",))
    if not held:
        return 0
    book = taxonomy.codebook(store)
    made = []
    for i, interview in enumerate(held):
        story = STORIES[(stories or {}).get(interview.customer_id, i % len(STORIES))]
        text = story.zh if _chinese(interview.customer_name) else story.en
        manager = interview.manager_name
        f = interviews.create_finding(
            store,
            study,
            interview.customer_id,
            actor=manager,
            interviewer=manager,
            interview_date=interview.start_for_manager().date(),
            interview_id=interview.id,
        )
        answers = {
            "defection_type": "former"
            if story.primary in ("closed_bankrupt", "moved_away")
            else f.defection_type or "full",
            "destination": story.destination,
            "competitor": story.competitor or "",
            "primary_code": story.primary,
            "secondary_codes": list(story.secondary),
            **interviews.prefill_from_code(book, story.primary),
            "lifecycle_stage": story.stage,
            "summary": text["summary"],
            "win_back": story.win_back,
            "win_back_needs": text["needs"],
            **dict(zip(interviews.SATISFACTION_FIELDS, story.satisfaction, strict=True)),
            **dict(zip(interviews.WHY_FIELDS, text["whys"], strict=False)),
        }
        interviews.save_fields(store, f.id, answers, base_version=f.version, actor=manager)
        for j, quote in enumerate(text["quotes"]):
            interviews.add_quote(
                store, f.id, actor=manager, text=quote, code=story.primary if j == 0 else None
            )
        if i < len(held) - DRAFTS:
            interviews.finalize(store, f.id, actor=manager)
        made.append((f.id, story))

    agreement.set_plan(store, study, SECOND_CODING_SHARE, actor=actor)
    by_finding = dict(made)
    picked = agreement.queue(store, study, SECOND_CODER)
    # the last two picks are left for a second coder to try in the app
    for n, finding_id in enumerate(picked["finding_id"][:-LEFT_TO_CODE]):
        story = by_finding[int(finding_id)]
        code = story.second_coder_alternative if n in (1, 4) else story.primary
        agreement.record_second_coding(
            store,
            int(finding_id),
            coder=SECOND_CODER,
            primary_code=code,
            secondary_codes=list(story.secondary),
        )
    return len(made)
