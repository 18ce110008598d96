"""One masking function for every reader who may see only masked personal data."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research.base.masking import MASK, mask


def test_a_frame_keeps_its_rows_and_masks_filled_personal_columns():
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "Name": ["Alpha", None],
            "phone": ["138", ""],
            "email": [float("nan"), "b@x.cn"],
            "segment": ["general", "best_core"],
        }
    )
    out = mask(frame)
    assert list(out["customer_id"]) == ["A", "B"] and list(out["segment"]) == [
        "general",
        "best_core",
    ]
    assert out["Name"].iloc[0] == MASK and pd.isna(out["Name"].iloc[1])
    assert list(out["phone"]) == [MASK, ""]
    assert out["email"].iloc[1] == MASK and pd.isna(out["email"].iloc[0])
    assert frame["Name"].iloc[0] == "Alpha"  # the caller's frame is left alone


def test_records_lists_and_dataclasses():
    assert mask({"name": "王伟", "notes": "call after 6", "status": "full"}) == {
        "name": MASK,
        "notes": MASK,
        "status": "full",
    }
    assert mask([{"contact_person": "Li"}]) == [{"contact_person": MASK}]

    @dataclass(frozen=True)
    class Row:
        name: str
        region: str

    assert mask(Row("Alpha", "East")) == Row(MASK, "East")
