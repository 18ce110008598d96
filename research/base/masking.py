"""One function that masks personal fields, for everyone who may see only masked data.

A viewer reads analyses and reports but never a customer's name, phone number or
e-mail address (research/base/permissions.py, level ``masked``). Every export, report
data set and listing that such a reader gets passes through ``mask`` first, so a new
download cannot forget a column: the personal columns are named once, here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MASK = "•••"

# every column or key that holds a person's name, contact details or notes about them
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "customer_name",
        "contact",
        "contact_person",
        "phone",
        "email",
        "e_mail",
        "note",
        "notes",
        "call_notes",
        "screening_notes",
        "place",
        "attributes",
    }
)


def is_personal(column: str) -> bool:
    return str(column).strip().lower() in PERSONAL_FIELDS


def mask(data: Any) -> Any:
    """A copy of ``data`` (a DataFrame, a mapping, or a list of mappings) with every
    personal field that holds a value replaced by MASK; empty values stay empty."""
    if hasattr(data, "columns") and hasattr(data, "copy"):
        return _mask_frame(data)
    if isinstance(data, dict):
        return {k: (MASK if is_personal(k) and _filled(v) else v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(mask(item) for item in data)
    if hasattr(data, "__dataclass_fields__"):
        import dataclasses

        changes = {
            f.name: MASK
            for f in dataclasses.fields(data)
            if is_personal(f.name) and _filled(getattr(data, f.name))
        }
        return dataclasses.replace(data, **changes) if changes else data
    return data


def _filled(value: Any) -> bool:
    if value is None:
        return False
    try:
        if value != value:  # NaN
            return False
    except (TypeError, ValueError):
        pass
    return not (isinstance(value, str) and not value.strip())


def _mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if is_personal(column):
            out[column] = out[column].astype(object).map(lambda v: MASK if _filled(v) else v)
    return out
