"""Phone numbers as an interviewer dials them: checked, in international format, tappable.

Customer files hold numbers however the CRM stored them (13812345678, 010-12345678,
+86 21 …, +1 415 …). Google's libphonenumber (the ``phonenumbers`` package) parses them
with China as the default region, so a local landline with its area code and a mobile
number without +86 both come out right.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from research.desk.errors import DeskError

DEFAULT_REGION = "CN"


@dataclass(frozen=True)
class Phone:
    raw: str
    valid: bool
    international: str  # "+86 138 1234 5678"; the raw text when it cannot be parsed
    e164: str | None  # "+8613812345678"

    @property
    def tel_link(self) -> str | None:
        """A tap-to-call link (RFC 3966), only for a number that is valid."""
        return f"tel:{self.e164}" if self.valid and self.e164 else None


def parse_phone(raw: str | None, region: str = DEFAULT_REGION) -> Phone | None:
    """Parse a number as typed; None for an empty value. Never raises."""
    text = raw.strip() if isinstance(raw, str) else ""  # pandas gives NaN for no number
    if not text or text.lower() == "nan":
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return Phone(text, False, text, None)
    valid = phonenumbers.is_valid_number(number)
    if not valid:
        return Phone(text, False, text, None)
    return Phone(
        text,
        True,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
    )


def normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in international format, for storing a number a person typed.

    Raises ResearchError when the number is not a valid phone number.
    """
    phone = parse_phone(raw, region)
    if phone is None:
        return None
    if not phone.valid:
        raise DeskError("error.phone_invalid", phone=phone.raw)
    return phone.international
