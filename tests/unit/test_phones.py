from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.phones import email_spellings, normalise_email, normalise_phone, phone_spellings


@pytest.mark.parametrize(
    "raw",
    [
        "+380671112233",
        "380671112233",
        "0671112233",
        "067 111-22-33",
        "(067) 111 22 33",
        "+38 (067) 111-22-33",
        "8 067 111 22 33",
        "80671112233",
        "671112233",
        " +38 067 111 22 33 ",
    ],
)
def test_every_ukrainian_spelling_has_one_canonical_form(raw: str) -> None:
    assert normalise_phone(raw) == "+380671112233"


@pytest.mark.parametrize("raw", [None, "", "   ", "ext. 12", "+-()"])
def test_what_is_not_a_phone_is_none(raw: str | None) -> None:
    assert normalise_phone(raw) is None


def test_a_foreign_number_keeps_its_digits() -> None:
    assert normalise_phone("+48 601 234 567") == "+48601234567"


national = st.from_regex(r"\A(39|50|63|66|67|68|73|91|92|93|94|95|96|97|98|99)[0-9]{7}\Z")


@given(national)
def test_each_spelling_normalises_back_to_the_same_number(nine_digits: str) -> None:
    canonical = f"+380{nine_digits}"
    spellings = phone_spellings(canonical)
    assert spellings[0] == canonical
    assert len(spellings) == len(set(spellings))
    for spelling in spellings:
        assert normalise_phone(spelling) == canonical, spelling


def test_spellings_include_what_operators_type_in_1c() -> None:
    spellings = phone_spellings("+380501234567")
    assert "050 123-45-67" in spellings
    assert "(050) 123-45-67" in spellings
    assert "0501234567" in spellings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Olena@Example.COM ", "olena@example.com"),
        ("a@b.ua", "a@b.ua"),
        ("no-at-sign", None),
        ("two@@example.com", None),
        ("x@localhost", None),
        ("", None),
        (None, None),
    ],
)
def test_email_normalisation(raw: str | None, expected: str | None) -> None:
    assert normalise_email(raw) == expected


def test_email_spellings_ask_for_lower_case_and_as_typed() -> None:
    assert email_spellings(" Olena@Example.com") == ["olena@example.com", "Olena@Example.com"]
