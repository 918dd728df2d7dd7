"""Models parse real recorded 1C answers (customisations included) and map 1C's sentinels to None."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bridge.utp.models import (
    CashReceipt,
    CompositeRef,
    ContactMatch,
    OrderLineInput,
    Product,
    SalesOrder,
    Unit,
    vat_amount,
)
from bridge.utp.odata_answers import parse_json

REPO = Path(__file__).parents[2]
RECORDED_ORDERS = REPO / "tests" / "fixtures" / "utp" / "recorded-orders.json"
TRIMMED_ORDERS = REPO / "tests" / "fixtures" / "utp" / "recorded-orders-trimmed.json"


def _orders(path: Path) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = parse_json(path.read_text(encoding="utf-8"))["value"]
    return value


def _sources() -> list[Path]:
    return [RECORDED_ORDERS, TRIMMED_ORDERS]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_every_recorded_order_parses(path: Path) -> None:
    raw_orders = _orders(path)
    assert len(raw_orders) == 4
    for raw in raw_orders:
        order = SalesOrder.model_validate(raw)
        assert order.ref == raw["Ref_Key"]
        assert order.number == raw["Number"]
        assert order.posted is raw["Posted"] and order.deletion_mark is raw["DeletionMark"]
        assert isinstance(order.total, Decimal) and order.total == Decimal(str(raw["СуммаДокумента"]))
        assert order.multiplicity == int(raw["КратностьВзаиморасчетов"])  # Int64 as a string
        assert order.shipment_date is None  # 0001-01-01 sentinel
        assert order.contract_key == raw["ДоговорКонтрагента_Key"]
        assert len(order.lines) == len(raw["Товары"])
        for line, raw_line in zip(order.lines, raw["Товары"], strict=True):
            assert line.line_number == int(raw_line["LineNumber"])
            assert line.characteristic_key is None  # empty GUID
            assert line.amount == Decimal(str(raw_line["Сумма"]))
            if raw_line["Размещение_Type"] == "StandardODATA.Undefined":
                assert line.placement is None
            else:
                assert line.placement == CompositeRef(key=raw_line["Размещение"], entity="Catalog_Склады")
        assert [ln.line_number for ln in order.lines] == list(range(1, len(order.lines) + 1))


def test_recorded_states_are_all_represented() -> None:
    orders = [SalesOrder.model_validate(o) for o in _orders(_sources()[0])]
    assert any(o.posted for o in orders)
    assert any(not o.posted and not o.deletion_mark for o in orders)
    assert any(o.deletion_mark for o in orders)
    first = orders[0]
    assert first.warehouse is None  # empty GUID with a concrete _Type is still "nothing"
    assert orders[1].warehouse_key == "3f3a05da-2faf-11e1-b60b-3e32ff0a5e79"


def test_composite_sentinels() -> None:
    assert CompositeRef.from_odata("", "StandardODATA.Undefined") is None
    assert (
        CompositeRef.from_odata("00000000-0000-0000-0000-000000000000", "StandardODATA.Document_Событие")
        is None
    )
    assert CompositeRef.from_odata("SD-1", "Edm.String") is None
    ref = CompositeRef.from_odata("AB-CD".lower() + "", "StandardODATA.Catalog_X")
    assert ref is not None and ref.entity == "Catalog_X"


def test_product_and_unit_and_contact() -> None:
    product = Product.model_validate(
        {
            "Ref_Key": "A",
            "Code": "00001",
            "Description": "Кабель",
            "Артикул": "AB'12",
            "ЕдиницаХраненияОстатков_Key": "00000000-0000-0000-0000-000000000000",
            "Parent_Key": "B",
            "IsFolder": False,
            "DeletionMark": False,
            "DataVersion": "AAAAACUqkos=",
            "Кастомне": 1,
        }
    )
    assert product.sku == "AB'12" and product.unit_key is None and product.parent_key == "b"
    unit = Unit.model_validate(
        {"Ref_Key": "u", "Owner": "p", "Owner_Type": "StandardODATA.Catalog_Номенклатура", "Коэффициент": 12}
    )
    assert unit.owner == CompositeRef(key="p", entity="Catalog_Номенклатура") and unit.coefficient == 12
    contact = ContactMatch.model_validate(
        {
            "Объект": "c",
            "Объект_Type": "StandardODATA.Catalog_Контрагенты",
            "Тип": "Телефон",
            "Представление": "x",
        }
    )
    assert contact.counterparty_key == "c"
    other = ContactMatch.model_validate({"Объект": "c", "Объект_Type": "StandardODATA.Catalog_Организации"})
    assert other.counterparty_key is None


def test_floats_become_exact_decimals() -> None:
    receipt = CashReceipt.model_validate({"Ref_Key": "r", "СуммаДокумента": 1244.16})
    assert receipt.total == Decimal("1244.16")


def test_line_amount_and_vat() -> None:
    line = OrderLineInput(
        product_key="p",
        unit_key="u",
        quantity=Decimal(3),
        price=Decimal("10.00"),
        discount_percent=Decimal(10),
    )
    assert line.line_amount() == Decimal("27.00")
    assert vat_amount(Decimal(1200), "НДС20", amount_includes_vat=True) == Decimal("200.00")
    assert vat_amount(Decimal(1000), "НДС20", amount_includes_vat=False) == Decimal("200.00")
    assert vat_amount(Decimal(1000), "БезНДС", amount_includes_vat=True) == Decimal("0.00")
