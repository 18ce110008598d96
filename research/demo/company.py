"""The demo company: a fictional maker of laboratory instruments that sells to
hospitals, clinical labs, universities and pharma firms in China and abroad.

It is built so a newcomer sees a working study at once: a few thousand B2B
customers with Chinese and English names, two years of orders with margins, monthly
share-of-wallet estimates for the larger accounts, and full and partial defectors in
every value segment, including MicroScan-style customers whose orders grew while
their share of wallet halved. Everything is generated from a fixed seed, written as
ordinary export files and brought in through the same import as a user's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

DEMO_SEED = 7

_CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "苏州",
    "天津",
    "重庆",
]
_WORDS = [
    "华创",
    "康达",
    "瑞祥",
    "博远",
    "中科",
    "恒信",
    "安泰",
    "明德",
    "新元",
    "润和",
    "佳禾",
    "鼎盛",
    "海纳",
    "卓越",
    "同仁",
    "正大",
    "普康",
    "美迪",
    "和平",
    "仁济",
]
_KINDS = [
    "医院",
    "医学检验所",
    "生物科技有限公司",
    "制药有限公司",
    "大学实验中心",
    "疾控中心",
    "临床检验中心",
]
_EN_FIRST = [
    "Northwind",
    "Bluepeak",
    "Silverline",
    "Harbor",
    "Summit",
    "Crescent",
    "Evergreen",
    "Lakeside",
    "Redwood",
    "Pioneer",
    "Meridian",
    "Keystone",
    "Oakridge",
    "Brightwater",
]
_EN_KINDS = [
    "Diagnostics Ltd",
    "Biotech Co.",
    "Pharma Inc.",
    "Clinical Labs",
    "Medical Center",
    "Research Institute",
    "Life Sciences",
]
_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱"]
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "涛", "明", "超", "霞"]
_EN_PEOPLE = [
    "Anna Smith",
    "David Chen",
    "Maria Garcia",
    "James Wilson",
    "Linda Park",
    "Peter Brown",
    "Sophie Martin",
    "Tom Lee",
    "Emma Davis",
    "Lucas Wang",
]
_OWNERS = ["张伟", "李娜", "王磊", "陈静", "Michael Zhou", "刘洋", "Grace Lin", "赵敏"]
_REGIONS = [
    "East China",
    "North China",
    "South China",
    "Southwest",
    "Central China",
    "Northeast",
    "Overseas",
]
_INDUSTRIES = {
    "医院": "Hospital",
    "医学检验所": "Clinical lab",
    "生物科技有限公司": "Biotech",
    "制药有限公司": "Pharma",
    "大学实验中心": "University",
    "疾控中心": "Public health",
    "临床检验中心": "Clinical lab",
    "Diagnostics Ltd": "Clinical lab",
    "Biotech Co.": "Biotech",
    "Pharma Inc.": "Pharma",
    "Clinical Labs": "Clinical lab",
    "Medical Center": "Hospital",
    "Research Institute": "University",
    "Life Sciences": "Biotech",
}
_PRODUCT_LINES = ["Analysers", "Reagents", "Consumables", "Service contracts"]


@dataclass(frozen=True)
class DemoFiles:
    customers: Path
    transactions: Path
    wallet: Path


def default_as_of(today: date | None = None) -> date:
    """The first day of the current month: recent and baseline periods are whole months."""
    today = today or date.today()
    return today.replace(day=1)


def demo_as_of(today: date | None = None) -> date:
    """The demo study's as-of date: the first of the month at least six weeks before
    today, so that its calls, interviews and findings all fall after it."""
    today = today or date.today()
    return default_as_of(today - relativedelta(weeks=6))


def generate(
    as_of: date, n_customers: int = 2400, seed: int = DEMO_SEED
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The demo company's customers, transactions and wallet estimates as export frames."""
    rng = np.random.default_rng(seed)
    start = as_of - relativedelta(months=24)
    baseline_start = as_of - relativedelta(months=12)
    recent_start = as_of - relativedelta(months=6)
    days = (as_of - start).days

    ids = [f"C{10001 + i}" for i in range(n_customers)]
    chinese = rng.random(n_customers) < 0.7
    names, contacts, phones, emails, industries = [], [], [], [], []
    for i in range(n_customers):
        if chinese[i]:
            kind = _KINDS[rng.integers(len(_KINDS))]
            names.append(
                f"{_CITIES[rng.integers(len(_CITIES))]}{_WORDS[rng.integers(len(_WORDS))]}{kind}"
            )
            contacts.append(
                _SURNAMES[rng.integers(len(_SURNAMES))] + _GIVEN[rng.integers(len(_GIVEN))]
            )
            if rng.random() < 0.75:
                phones.append(
                    f"1{rng.choice([3, 5, 8])}{rng.integers(0, 10)}{rng.integers(10**7, 10**8)}"
                )
            else:
                phones.append(f"0{rng.choice([10, 21, 20, 755, 571])}-{rng.integers(10**7, 10**8)}")
            emails.append(f"contact{i}@example.cn" if rng.random() < 0.6 else "")
        else:
            kind = _EN_KINDS[rng.integers(len(_EN_KINDS))]
            names.append(f"{_EN_FIRST[rng.integers(len(_EN_FIRST))]} {kind}")
            contacts.append(_EN_PEOPLE[rng.integers(len(_EN_PEOPLE))])
            phones.append(f"+1 415 555 {rng.integers(1000, 10000)}")
            emails.append(f"purchasing{i}@example.com")
        industries.append(_INDUSTRIES[kind])
    customers = pd.DataFrame(
        {
            "客户编号": ids,
            "客户名称": names,
            "联系人": contacts,
            "电话": phones,
            "邮箱": emails,
            "客户经理": rng.choice(_OWNERS, n_customers),
            "地区": np.where(chinese, rng.choice(_REGIONS[:-1], n_customers), "Overseas"),
            "行业": industries,
            "规模": rng.choice(["small", "medium", "large"], n_customers, p=[0.5, 0.35, 0.15]),
            "签约年份": rng.integers(2012, as_of.year, n_customers),
        }
    )

    # each customer's story: 0 stable, 1 full defector, 2 partial, 3 new, 4 lapsed long ago,
    # 5 MicroScan (orders up, share of wallet halved)
    story = rng.choice(6, n_customers, p=[0.62, 0.12, 0.12, 0.05, 0.04, 0.05])
    monthly = np.exp(rng.normal(9.0, 1.0, n_customers))  # about ¥8,000 a month, long tail
    orders_per_month = rng.uniform(0.5, 4.0, n_customers)
    rows = []
    for i, cid in enumerate(ids):
        n_orders = rng.poisson(orders_per_month[i] * 24) + 2
        offsets = np.sort(rng.integers(0, days, n_orders))
        when = pd.to_datetime(start) + pd.to_timedelta(offsets, unit="D")
        scale = np.ones(n_orders)
        dates = when.date
        if story[i] == 1:  # stops somewhere in the baseline period
            stop = baseline_start + relativedelta(days=int(rng.integers(60, 180)))
            keep = dates < stop
        elif story[i] == 2:  # keeps buying, at 10-45% of the old rate
            keep = np.ones(n_orders, bool)
            scale[dates >= recent_start] = rng.uniform(0.10, 0.45)
        elif story[i] == 3:
            keep = dates >= recent_start
        elif story[i] == 4:
            keep = dates < baseline_start - relativedelta(months=2)
        elif story[i] == 5:
            keep = np.ones(n_orders, bool)
            scale[dates >= recent_start] = rng.uniform(1.0, 1.3)
        else:
            keep = np.ones(n_orders, bool)
            scale[dates >= recent_start] = rng.uniform(0.7, 1.3)
        if keep.sum() == 0:
            keep[-1] = True
        per_order = monthly[i] / orders_per_month[i]
        amount = np.round(per_order * scale[keep] * rng.lognormal(0, 0.35, keep.sum()), 2)
        for d, a in zip(dates[keep], amount, strict=True):
            rows.append((cid, d, a))
    tx = pd.DataFrame(rows, columns=["客户编号", "日期", "金额"])
    tx["产品线"] = rng.choice(_PRODUCT_LINES, len(tx), p=[0.2, 0.4, 0.3, 0.1])
    tx["毛利"] = np.round(tx["金额"] * rng.uniform(0.18, 0.42, len(tx)), 2)
    tx["日期"] = pd.to_datetime(tx["日期"]).dt.strftime("%Y-%m-%d")

    # monthly wallet estimates for the large accounts and every MicroScan-style customer
    big = set(np.array(ids)[(customers["规模"] == "large").to_numpy()])
    microscan = set(np.array(ids)[story == 5])
    months = [baseline_start + relativedelta(months=m) for m in range(12)]
    wallet_rows = []
    for i, cid in enumerate(ids):
        if cid not in big and cid not in microscan:
            continue
        share = rng.uniform(0.3, 0.7)
        for m in months:
            grown = 2.4 if (cid in microscan and m >= recent_start) else 1.0
            wallet_rows.append((cid, m.strftime("%Y-%m"), round(monthly[i] / share * grown, 2)))
    wallet = pd.DataFrame(wallet_rows, columns=["客户编号", "期间", "品类总支出"])
    return customers, tx, wallet


def write_files(folder: Path, as_of: date, n_customers: int = 2400) -> DemoFiles:
    """Write the demo exports as a real team would get them: GBK CSV for customers,
    UTF-8-with-BOM CSV for transactions, .xlsx for wallet estimates."""
    customers, tx, wallet = generate(as_of, n_customers)
    folder.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(folder / "customers.csv", folder / "transactions.csv", folder / "wallet.xlsx")
    customers.to_csv(files.customers, index=False, encoding="gbk")
    tx.to_csv(files.transactions, index=False, encoding="utf-8-sig")
    wallet.to_excel(files.wallet, index=False)
    return files
