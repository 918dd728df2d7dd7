"""Fingerprint blob, per-aspect plan and the catalog settings, without emulators."""

from __future__ import annotations

from array import array

import pytest

from bridge.settings import SettingsError, SkuNormalisation, load_settings
from bridge.sync.catalog_diff import CatalogSnapshot, Fingerprints, PlanOptions, ProductData, plan_push

BASE = {
    "salesdrive_account": "sparesshop",
    "organisation": "ТОВ",
    "price_type": "Роздрібна",
    "default_warehouse": "Основний склад",
    "cash_desk": "Каса",
    "closure_reason": "Відмова",
}
REFS = [f"0000000{k}-0000-0000-0000-000000000000" for k in range(4)]


def snapshot(skus: list[str], marks: tuple[bool, ...] = (False,) * 4) -> CatalogSnapshot:
    products = [ProductData(REFS[k], sku, f"Name {k}", None, None, marks[k]) for k, sku in enumerate(skus)]
    return CatalogSnapshot(
        products=products,
        folders={},
        salesdrive_ids={},
        stock_ids=["1", "2"],
        prices=array("d", [10.0 + k for k in range(len(skus))]),
        stock=array("d", [1.0] * 2 * len(skus)),
    )


def test_blob_round_trip_keeps_every_row() -> None:
    fps = Fingerprints()
    fps.apply({REFS[0]: (b"a" * 24, "SKU-0"), REFS[1]: (b"b" * 24, "1001")}, b"c" * 8)
    again = Fingerprints.decode(fps.encode())
    assert again.rows == fps.rows and again.categories == b"c" * 8
    assert len(Fingerprints.decode(None)) == 0


def test_plan_per_aspect_and_duplicates_are_skipped() -> None:
    snap = snapshot(["A", "B", "C", "C"])
    plan = plan_push(snap, Fingerprints(), PlanOptions())
    assert plan.full == [0, 1] and {s.reason for s in plan.skipped} == {"SKU shared by several UTP products"}
    done = Fingerprints()
    done.apply({REFS[i]: (plan.fingerprints[i], plan.ids[i]) for i in plan.full})
    snap.prices[0] = 99.0
    snap.stock[2 * 1 + 1] = 5.0
    again = plan_push(snap, done, PlanOptions())
    assert (again.full, again.price_only, again.stock_only) == ([], [0], [1])
    off = plan_push(snap, done, PlanOptions(transfer_prices=False))
    assert off.price_only == [] and off.stock_only == [1]


def test_marked_product_gets_zero_stock_or_a_delete() -> None:
    snap = snapshot(["A", "B"])
    plan = plan_push(snap, Fingerprints(), PlanOptions())
    done = Fingerprints()
    done.apply({REFS[i]: (plan.fingerprints[i], plan.ids[i]) for i in plan.full})
    snap.products[1].deletion_mark = True
    assert plan_push(snap, done, PlanOptions()).zero_stock == [(REFS[1], "B")]
    assert plan_push(snap, done, PlanOptions(deleted_product_policy="delete")).delete == [(REFS[1], "B")]


def test_catalog_settings_defaults_and_validation() -> None:
    settings = load_settings(BASE)
    assert settings.catalog_interval_minutes == 60 and settings.deleted_product_policy == "zero_stock"
    assert SkuNormalisation(separators=" -").apply(" dc97-16 350C ") == "dc9716350c"
    for bad in (
        {"catalog_interval_minutes": 0},
        {"deleted_product_policy": "hide"},
        {"stock_ids": {"Основний склад": 1, "Склад Львів": 1}},
    ):
        with pytest.raises(SettingsError):
            load_settings({**BASE, **bad})
