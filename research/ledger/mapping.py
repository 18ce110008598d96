"""Which column of a file feeds which field: suggested from English and Chinese headers.

Each kind of file (customers, transactions, wallet estimates) has its fields; a field
is matched from its aliases, and the user's explicit choices win over the guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from research.base.errors import ImportRejectedError

KINDS = ("customers", "transactions", "wallet")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | date | money | number | period
    required: bool
    aliases: tuple[str, ...]


_ID_ALIASES = (
    "customer id",
    "customerid",
    "customer no",
    "customer number",
    "customer code",
    "cust id",
    "client id",
    "account id",
    "account number",
    "id",
    "客户编号",
    "客户id",
    "客户代码",
    "客户号",
    "客户编码",
    "编号",
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field(
            "name",
            "text",
            False,
            (
                "name",
                "customer name",
                "company",
                "company name",
                "account name",
                "客户名称",
                "客户名",
                "公司名称",
                "名称",
                "姓名",
            ),
        ),
        Field(
            "contact_person",
            "text",
            False,
            ("contact", "contact person", "contact name", "联系人", "联系人姓名"),
        ),
        Field(
            "phone",
            "text",
            False,
            (
                "phone",
                "telephone",
                "tel",
                "mobile",
                "phone number",
                "电话",
                "手机",
                "联系电话",
                "手机号",
                "电话号码",
            ),
        ),
        Field("email", "text", False, ("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱")),
        Field(
            "owner",
            "text",
            False,
            (
                "owner",
                "salesperson",
                "sales rep",
                "account manager",
                "负责人",
                "销售",
                "销售员",
                "客户经理",
                "业务员",
            ),
        ),
        Field(
            "region",
            "text",
            False,
            ("region", "area", "province", "territory", "地区", "区域", "省份", "大区"),
        ),
        Field("industry", "text", False, ("industry", "sector", "segment", "行业", "所属行业")),
        Field("size", "text", False, ("size", "company size", "employees", "规模", "企业规模")),
        Field("age_band", "text", False, ("age band", "age group", "age", "年龄段", "年龄")),
        Field(
            "income_band", "text", False, ("income band", "income", "收入", "收入水平", "收入段")
        ),
        Field("education", "text", False, ("education", "学历", "教育程度")),
    ),
    "transactions": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field(
            "date",
            "date",
            True,
            (
                "date",
                "transaction date",
                "order date",
                "invoice date",
                "日期",
                "交易日期",
                "订单日期",
                "下单日期",
                "开票日期",
            ),
        ),
        Field(
            "amount",
            "money",
            True,
            (
                "amount",
                "sales",
                "revenue",
                "value",
                "net amount",
                "total",
                "金额",
                "销售额",
                "交易金额",
                "订单金额",
                "含税金额",
            ),
        ),
        Field("quantity", "number", False, ("quantity", "qty", "units", "数量")),
        Field(
            "product_line",
            "text",
            False,
            ("product line", "product", "category", "产品线", "产品", "品类"),
        ),
        Field(
            "margin",
            "money",
            False,
            ("margin", "gross margin", "profit", "gross profit", "毛利", "利润", "毛利额"),
        ),
        # a transaction / order-line ID: where a file has one, it tells lines apart
        # (research/ledger/load.py)
        Field(
            "line_id",
            "text",
            False,
            (
                "line id",
                "order line id",
                "order line",
                "order line no",
                "transaction id",
                "transaction no",
                "transaction number",
                "invoice line id",
                "单据编号",
                "单据号",
                "订单行号",
                "订单行id",
                "交易编号",
                "交易流水号",
                "流水号",
            ),
        ),
    ),
    "wallet": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field(
            "period",
            "period",
            True,
            ("period", "quarter", "year", "month", "期间", "周期", "季度", "年度", "月份"),
        ),
        Field(
            "estimated_spend",
            "money",
            True,
            (
                "estimated spend",
                "wallet",
                "wallet estimate",
                "category spend",
                "total category spend",
                "钱包",
                "品类总支出",
                "预计支出",
                "采购总额",
                "钱包份额估计",
            ),
        ),
    ),
}


def _normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-./()（）:：]+", " ", name.strip().lower()).strip()


def suggest_mapping(
    kind: str, columns: list[str], fields: tuple[Field, ...] | None = None
) -> dict[str, str]:
    """Guess which source column feeds each field, from English and Chinese names.

    ``fields`` are the fields of a kind of file this module does not know (the past
    studies' findings); without them, the fields of ``kind``.
    """
    if fields is None:
        check_kind(kind)
        fields = FIELDS[kind]
    normalised = {_normalise_header(c): c for c in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for fld in fields:
        candidates = (fld.name.replace("_", " "), *fld.aliases)
        for alias in candidates:
            source = normalised.get(_normalise_header(alias))
            if source is not None and source not in taken:
                mapping[fld.name] = source
                taken.add(source)
                break
    return mapping


def parse_map_options(options: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Turn CLI ``source_column=field`` options into a field -> source mapping."""
    mapping = {}
    for option in options:
        source, sep, target = option.rpartition("=")
        if not sep or not source or not target:
            raise ImportRejectedError("import.bad_map", option=option)
        mapping[target.strip()] = source.strip()
    return mapping


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ImportRejectedError("import.unknown_kind", kind=kind, kinds=", ".join(KINDS))


def resolve_mapping(
    kind: str,
    columns: list[str],
    overrides: dict[str, str] | None,
    fields: tuple[Field, ...] | None = None,
) -> dict[str, str]:
    """The suggested mapping with the user's choices on top (``fields`` as in
    ``suggest_mapping``). Raises ImportRejectedError for an unknown field or column, or
    when a required field has no column."""
    fields = FIELDS[kind] if fields is None else fields
    known = {f.name for f in fields}
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    for target, source in overrides.items():
        if target not in known:
            raise ImportRejectedError(
                "import.unknown_field", field=target, kind=kind, fields=", ".join(sorted(known))
            )
        if source not in columns:
            raise ImportRejectedError("import.no_column", column=source, columns=", ".join(columns))
    mapping = suggest_mapping(kind, columns, fields)
    # an explicit choice wins, and frees the column from any guessed field
    for target, source in overrides.items():
        mapping = {f: s for f, s in mapping.items() if s != source}
        mapping[target] = source
    missing = [f.name for f in fields if f.required and f.name not in mapping]
    if missing:
        raise ImportRejectedError(
            "import.missing_fields", fields=", ".join(missing), columns=", ".join(columns)
        )
    return mapping
