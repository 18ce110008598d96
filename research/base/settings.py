"""Every study setting, declared once: name, default, bounds and help.

The study form, the CLI options and README's settings table are all made from this
list, and tests/unit/test_settings.py checks that README documents every one.
Help texts are translation keys (see research/base/i18n.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from research.base.errors import InvalidSettingError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    kind: type
    minimum: float | None
    maximum: float | None
    help_key: str

    def parse(self, value: Any) -> Any:
        """Convert and check ``value``; raises InvalidSettingError if out of range."""
        try:
            converted = self.kind(value)
            if self.kind is int and float(value) != converted:  # 3.7 is not a count of months
                raise ValueError(value)
        except (TypeError, ValueError, OverflowError) as e:  # int(inf) overflows
            raise InvalidSettingError("error.setting_type", name=self.name, value=value) from e
        if converted != converted or converted in (float("inf"), float("-inf")):
            # NaN passes every comparison, so the bounds below would let it through
            raise InvalidSettingError("error.setting_type", name=self.name, value=value)
        if self.minimum is not None and converted < self.minimum:
            raise InvalidSettingError(
                "error.setting_min", name=self.name, minimum=self.minimum, value=converted
            )
        if self.maximum is not None and converted > self.maximum:
            raise InvalidSettingError(
                "error.setting_max", name=self.name, maximum=self.maximum, value=converted
            )
        return converted


STUDY_SETTINGS: tuple[Setting, ...] = (
    Setting("window_months", 6, int, 1, 60, "setting.window_months"),
    Setting("drop_threshold", 0.5, float, 0.01, 1.0, "setting.drop_threshold"),
    Setting("gap_multiple", 3.0, float, 1.0, 50.0, "setting.gap_multiple"),
    Setting("best_core_pct", 0.10, float, 0.0, 1.0, "setting.best_core_pct"),
    Setting("other_core_pct", 0.20, float, 0.0, 1.0, "setting.other_core_pct"),
    Setting("general_pct", 0.50, float, 0.0, 1.0, "setting.general_pct"),
    Setting("target_sample_size", 40, int, 1, 100_000, "setting.target_sample_size"),
    Setting("weight_best_core", 0.40, float, 0.0, 1.0, "setting.weight_best_core"),
    Setting("weight_other_core", 0.35, float, 0.0, 1.0, "setting.weight_other_core"),
    Setting("weight_general", 0.25, float, 0.0, 1.0, "setting.weight_general"),
    Setting("weight_expendable", 0.0, float, 0.0, 1.0, "setting.weight_expendable"),
    Setting("sample_seed", 20_240_601, int, 0, 2**31 - 1, "setting.sample_seed"),
)

SETTINGS_BY_NAME = {s.name: s for s in STUDY_SETTINGS}


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in STUDY_SETTINGS}


def validate(values: dict[str, Any]) -> dict[str, Any]:
    """Parse every known setting in ``values`` and check they fit together.

    Raises InvalidSettingError naming the first problem.
    """
    unknown = set(values) - set(SETTINGS_BY_NAME)
    if unknown:
        raise InvalidSettingError("error.setting_unknown", names=", ".join(sorted(unknown)))
    parsed = {name: SETTINGS_BY_NAME[name].parse(v) for name, v in values.items()}
    merged = defaults() | parsed
    if merged["best_core_pct"] + merged["other_core_pct"] + merged["general_pct"] > 1.0 + 1e-9:
        raise InvalidSettingError("error.segment_shares")
    return parsed
