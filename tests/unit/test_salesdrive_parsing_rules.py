"""The parser's documented rules for money written with separators, and for several phones in one field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridge.phones import normalise_phones, split_phones
from bridge.salesdrive.coerce import to_decimal
from bridge.salesdrive.models import Contact, OrderLine, parse_order
from bridge.sync.deal_checks import order_problems


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,25", Decimal("1.25")),  # a decimal comma with two decimals
        ("0,250", Decimal("0.250")),  # "0," cannot start a thousands group
        ("12345,678", Decimal("12345.678")),  # more than three digits before: not a group
        ("1,250,000", Decimal("1250000")),  # several commas: grouping in threes
        ("1.250.000", Decimal("1250000")),
        ("1,250.50", Decimal("1250.50")),  # both: the last one is the decimal point
        ("1.250,50", Decimal("1250.50")),
        ("1 250,50", Decimal("1250.50")),  # spaces group
        ("1.250", Decimal("1.250")),  # a lone dot is decimal (SalesDrive's own strings)
    ],
)
def test_money_with_separators_is_read_by_the_rule(text: str, value: Decimal) -> None:
    assert to_decimal(text) == value


@pytest.mark.parametrize("text", ["1,250", "12,500", "-1,250"])
def test_an_ambiguous_thousands_comma_is_refused_with_a_reason(text: str) -> None:
    # "1,250" was read as 1.25: a line of 1,250 pieces became 1.25.
    with pytest.raises(ValueError, match="ambiguous"):
        to_decimal(text)


@pytest.mark.parametrize("text", ["1,25.5", "1.2.3", "1,2,3"])
def test_malformed_grouping_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        to_decimal(text)


def test_an_ambiguous_quantity_parks_the_order_with_the_reason() -> None:
    order = parse_order({"id": 7, "products": [{"sku": "A-1", "amount": "1,250", "price": "10"}]})
    assert order.products[0].amount is None
    problems = order_problems(order)
    assert any("amount cannot be read" in p and "ambiguous" in p for p in problems), problems


def test_an_unambiguous_price_with_a_thousands_separator_is_read_right() -> None:
    assert OrderLine.model_validate({"price": "1,250.00"}).price == Decimal("1250.00")


@pytest.mark.parametrize(
    ("field", "phones"),
    [
        ("067 111 22 33, 050 222 33 44", ["+380671112233", "+380502223344"]),
        ("0671112233; 0502223344", ["+380671112233", "+380502223344"]),
        ("0671112233/0502223344", ["+380671112233", "+380502223344"]),
        ("0671112233\n0502223344", ["+380671112233", "+380502223344"]),
        ("+38 (067) 111-22-33 або 050 222 33 44", ["+380671112233", "+380502223344"]),
        ("+38 (067) 111-22-33", ["+380671112233"]),
    ],
)
def test_a_field_holding_several_phones_gives_several(field: str, phones: list[str]) -> None:
    assert normalise_phones(field) == phones
    assert [p for p in (Contact.model_validate({"phone": field}).phone)] == split_phones(field)
    assert len(Contact.model_validate({"phone": [field]}).phone) == len(phones)


def test_a_part_without_digits_is_not_a_phone() -> None:
    assert split_phones("0671112233, дзвонити після обіду") == ["0671112233"]
