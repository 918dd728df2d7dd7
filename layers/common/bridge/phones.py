"""Ukrainian phone numbers in all their spellings, and e-mail addresses, as counterparty identity.

Customers type phones as "067 111-22-33", "+38 (067) 111 22 33", "80671112233" or "380671112233";
SalesDrive sends what the shop's site collected and 1C holds what an operator typed years ago. The
bridge compares numbers by their canonical E.164 form, and because 1C OData cannot strip or case-fold
on the server, it asks for the spellings people actually use (``phone_spellings``).
"""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"\D+")
# Between two numbers in one field people write ",", ";", "/", a new line, "або"/"или"/"or" ("or").
_BETWEEN_PHONES = re.compile(r"[,;/\n\r|]+|\s+(?:або|или|чи|or)\s+", re.IGNORECASE)
_UA_COUNTRY = "380"
_UA_NATIONAL_LENGTH = 9  # operator code (2 digits after the trunk 0) + 7-digit subscriber number


def normalise_phone(raw: str | None) -> str | None:
    """The E.164 form ``+380XXXXXXXXX`` of a Ukrainian number, the digits of a foreign one, else None."""
    if not raw:
        return None
    digits = _NON_DIGITS.sub("", raw)
    if not digits:
        return None
    national: str | None = None
    if digits.startswith(_UA_COUNTRY) and len(digits) == 12:
        national = digits[3:]
    elif digits.startswith("80") and len(digits) == 11:  # the old long-distance prefix "8 0XX"
        national = digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        national = digits[1:]
    elif len(digits) == _UA_NATIONAL_LENGTH and not raw.strip().startswith("+"):
        national = digits
    if national is not None:
        return f"+{_UA_COUNTRY}{national}"
    if len(digits) < 7:  # an extension or garbage: not an identity
        return None
    return f"+{digits}"


def split_phones(raw: str | None) -> list[str]:
    """The numbers of one field: ``"067 111 22 33, 050 222 33 44"`` → two spellings, in order.

    A part without any digit (``"дзвонити після 18:00"``) is dropped; a single number is one item.
    """
    if not raw:
        return []
    parts = (part.strip() for part in _BETWEEN_PHONES.split(raw))
    return [part for part in parts if part and any(ch.isdigit() for ch in part)]


def normalise_phones(raw: str | None) -> list[str]:
    """Every canonical number in one field, each once, first seen first."""
    found = (normalise_phone(part) for part in split_phones(raw))
    return list(dict.fromkeys(phone for phone in found if phone))


def phone_spellings(canonical: str) -> list[str]:
    """The spellings under which a canonical number may have been typed into 1C, most likely first."""
    if not canonical.startswith(f"+{_UA_COUNTRY}") or len(canonical) != 13:
        return [canonical, canonical.lstrip("+")]
    n = canonical[4:]  # 9 national digits: OO SSS SS SS
    op, a, b, c = n[:2], n[2:5], n[5:7], n[7:]
    local = f"0{n}"
    forms = [
        canonical,
        canonical[1:],
        local,
        f"0{op} {a} {b} {c}",
        f"0{op} {a}-{b}-{c}",
        f"0{op}-{a}-{b}-{c}",
        f"(0{op}) {a}-{b}-{c}",
        f"(0{op}) {a} {b} {c}",
        f"(0{op}){a}-{b}-{c}",
        f"+38 (0{op}) {a}-{b}-{c}",
        f"+38 (0{op}) {a} {b} {c}",
        f"+38(0{op}){a}-{b}-{c}",
        f"+38 0{op} {a} {b} {c}",
        f"+38 0{op} {a}-{b}-{c}",
        f"+380 {op} {a} {b} {c}",
        f"+380{op}{a}{b}{c}",
        f"38 0{op} {a} {b} {c}",
        f"8{local}",
        f"8 0{op} {a} {b} {c}",
    ]
    return list(dict.fromkeys(forms))


def normalise_email(raw: str | None) -> str | None:
    """Lower-cased, trimmed address, or None if it cannot be an address."""
    if not raw:
        return None
    email = raw.strip().lower()
    if email.count("@") != 1:
        return None
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in email):
        return None
    return email


def email_spellings(raw: str) -> list[str]:
    """1C cannot case-fold, so ask for the address as typed and in lower case."""
    trimmed = raw.strip()
    return list(dict.fromkeys([trimmed.lower(), trimmed]))
