"""Free stock and prices as UTP 1.2 computes them, end to end against the UTP emulator (full push and
targeted push alike), and the conversion rules on their own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest

from bridge.settings import SettingsError
from bridge.sync.catalog_push import push_catalog
from bridge.sync.prices import check_price_type, convert_currency, round_price
from bridge.sync.reference import resolve_reference
from bridge.sync.stock import stock_warehouses
from bridge.utp.catalog import PriceTypeSettings, price_type_settings
from sandbox.utp.catalog_bodies import price_row, receipt_body

from .test_catalog_push import Shop, refresh, shop  # noqa: F401  (the fixture)

ALL = {"Основний склад": 1, "Магазин на Подолі": 2, "Склад Львів": 3}


def _retail_shop(s: Shop) -> str:
    return s.warehouse("Магазин на Подолі")


def _prices(s: Shop, condition: str) -> list[dict[str, Any]]:
    url = "InformationRegister_ЦеныНоменклатуры_RecordType/SliceLast?$format=json&Condition="
    answer = s.odata.get(url + quote(condition, safe=""))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


def _with(s: Shop, **update: Any) -> Any:
    return s.settings.model_copy(update=update)


def test_round_price_as_ocruglit_cenu() -> None:
    assert round_price(Decimal("0.371"), "Окр0_05", up=True) == Decimal("0.40")
    assert round_price(Decimal("0.371"), "Окр0_05", up=False) == Decimal("0.35")
    assert round_price(Decimal("0.376"), "Окр0_05", up=False) == Decimal("0.40")
    assert round_price(Decimal("12.345"), "", up=False) == Decimal("12.35")  # empty order = 0.01
    assert round_price(Decimal("120"), "Окр10", up=True) == Decimal("120")  # a multiple stays


def test_convert_currency_with_multiplicity() -> None:
    rates = {
        "usd": (Decimal("41.25"), Decimal(1)),
        "jpy": (Decimal("27.5"), Decimal(100)),
        "uah": (Decimal(1), Decimal(1)),
    }
    assert convert_currency(Decimal("10.01"), "usd", "uah", rates) == Decimal("412.91")  # 412.9125 → 0.01
    assert convert_currency(Decimal(1000), "jpy", "uah", rates) == Decimal("275.00")
    assert convert_currency(Decimal(5), "eur", "uah", rates) is None  # no rate: UTP gives 0


def test_computed_price_type_by_ranges_is_refused_naming_the_setting() -> None:
    base = PriceTypeSettings("b", "Роздрібна", "uah", False, "", Decimal(0), "", "", False)
    ranges = PriceTypeSettings(
        "c", "Діапазон", "uah", True, "b", Decimal(0), "ПоВхождениюБазовойЦеныВДиапазон", "", False
    )
    with pytest.raises(SettingsError, match="price_type"):
        check_price_type(ranges, base)
    with pytest.raises(SettingsError, match="price_type"):
        check_price_type(PriceTypeSettings("c", "X", "uah", True, "", Decimal(0), "", "", False), None)
    check_price_type(base, None)


def test_free_stock_of_the_retail_shop_comes_from_goods_in_retail(shop: Shop) -> None:  # noqa: F811
    settings = _with(shop, stock_ids=ALL)
    shop.push(settings)
    p = shop.goods()[0]
    retail = shop.utp_stock(_retail_shop(shop), p["ref"], "ТоварыВРознице")
    assert retail > 0 and shop.utp_stock(_retail_shop(shop), p["ref"]) == 0
    assert Decimal(shop.sd(p["sku"])["stockBalanceByStock"]["2"]) == retail
    # a receipt into the shop, pushed by the targeted push: free stock grows by what arrived
    shop.create(RECEIPT, receipt_body(shop.seed, _retail_shop(shop), [(p["ref"], p["unit"], 6, 60)]))
    shop.utp_emulator.reset_counters()
    report = refresh(shop, p["ref"], settings=settings)
    assert Decimal(shop.sd(p["sku"])["stockBalanceByStock"]["2"]) == retail + 6
    assert report.utp_calls == sum(shop.utp_emulator.counters.values()) == 9  # + ТоварыВРознице
    assert shop.push(settings).changed == 0  # the full push agrees


def test_prices_in_packs_and_dollars_reach_salesdrive_per_piece_in_hryvnias(shop: Shop) -> None:  # noqa: F811
    shop.push()
    seed = shop.seed
    rows = {r["Номенклатура_Key"]: r for r in _prices(shop, f"ТипЦен_Key eq guid'{seed['price_type']}'")}
    skus = {p["ref"]: p["sku"] for p in seed["sample_products"]}
    for ref in seed["pack_priced"]:
        expected = (Decimal(str(rows[ref]["Цена"])) / 10).quantize(Decimal("0.01"))
        assert Decimal(shop.sd(skus[ref])["costPerItem"]) == expected
    for ref in seed["usd_priced"]:
        usd = Decimal(str(rows[ref]["Цена"]))
        expected = (usd * Decimal(str(seed["usd_rate"]))).quantize(Decimal("0.01"))
        assert Decimal(shop.sd(skus[ref])["costPerItem"]) == expected
    # a new USD price set in UTP arrives converted by the targeted push
    ref = seed["usd_priced"][0]
    unit = next(p["unit"] for p in seed["sample_products"] if p["ref"] == ref)
    row = price_row(seed, ref, unit, 10.01, currency=seed["currency_usd"])
    shop.create(PRICES, {"Date": "2030-01-01T00:00:00", "Товары": [row]})
    refresh(shop, ref)
    assert Decimal(shop.sd(skus[ref])["costPerItem"]) == Decimal("412.91")


def test_computed_price_type_is_the_base_price_marked_up_and_rounded(shop: Shop) -> None:  # noqa: F811
    settings = _with(shop, price_type="Інтернет")
    reference = resolve_reference(settings, shop.utp)
    kind = price_type_settings(shop.utp, reference.price_type_key)
    assert kind.computed and kind.markup == 10 and kind.round_up
    push_catalog(
        utp=shop.utp,
        salesdrive=shop.crm,
        store=shop.store,
        settings=settings,
        price_type_key=reference.price_type_key,
        warehouses=stock_warehouses(settings, reference.warehouse_names),
    )
    p = shop.goods()[0]
    cond = f"ТипЦен_Key eq guid'{shop.seed['price_type']}' and Номенклатура_Key eq guid'{p['ref']}'"
    base = _prices(shop, cond)[0]["Цена"]
    expected = (Decimal(str(base)) * Decimal("1.1")).to_integral_value(rounding="ROUND_CEILING")
    assert Decimal(shop.sd(p["sku"])["costPerItem"]) == expected


def test_unknown_product_units_and_currencies_cost_no_extra_reads(shop: Shop) -> None:  # noqa: F811
    p = shop.goods()[0]
    shop.utp_emulator.reset_counters()
    report = refresh(shop, p["ref"])
    assert report.utp_calls == 8  # no unit or rate read: the row is in pieces and hryvnias


PRICES = "Document_УстановкаЦенНоменклатуры"
RECEIPT = "Document_ПоступлениеТоваровУслуг"
