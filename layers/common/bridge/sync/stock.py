"""Item 6: free stock → SalesDrive, per warehouse (``stockBalanceByStock``), any number of warehouses.

Free stock = ``ТоварыНаСкладах`` balance − ``ТоварыВРезервеНаСкладах`` balance of the same warehouse,
never negative (summed over characteristics and series: SalesDrive knows products only). Each UTP
warehouse named in ``settings.stock_ids`` feeds one SalesDrive stock id; other warehouses are not read.
Two ``Balance`` calls per mapped warehouse, each with ``Condition=Склад_Key eq …`` (design §3).
A stock push is ``STOCK_ONLY``: it carries no name and no price, and protects them.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from decimal import Decimal

from bridge.salesdrive.products import ProductUpdate
from bridge.settings import BridgeSettings, SettingsError
from bridge.sync.catalog_diff import CatalogSnapshot
from bridge.utp.client import UtpClient


def stock_warehouses(settings: BridgeSettings, warehouse_names: Mapping[str, str]) -> dict[str, str]:
    """SalesDrive stock id → UTP warehouse key, from ``stock_ids``; an unknown name is a bad setting."""
    out: dict[str, str] = {}
    for name, stock_id in settings.stock_ids.items():
        if name not in warehouse_names:
            raise SettingsError(
                f"stock_ids: UTP has no warehouse {name!r} (known: {sorted(warehouse_names)})"
            )
        out[str(stock_id)] = warehouse_names[name]
    return out


def read_free_stock(
    utp: UtpClient, warehouses: Mapping[str, str], index: dict[str, int]
) -> tuple[list[str], array[float], int]:
    """(stock ids in order, row-major free stock, UTP calls = 2 per warehouse)."""
    stock_ids = list(warehouses)
    width = len(stock_ids)
    out = CatalogSnapshot.empty_stock(len(index), width)
    calls = 0
    for w, stock_id in enumerate(stock_ids):
        key = warehouses[stock_id]
        physical = utp.stock_balance(key)
        reserved = utp.reserves_balance(key)
        calls += 2
        for ref, quantity in physical.items():
            i = index.get(ref)
            if i is not None:
                free = quantity - reserved.get(ref, Decimal(0))
                out[i * width + w] = float(free) if free > 0 else 0.0
        del physical, reserved
    return stock_ids, out, calls


def read_free_stock_of(
    utp: UtpClient, warehouses: Mapping[str, str], index: dict[str, int]
) -> tuple[list[str], array[float], int]:
    """``read_free_stock`` for the products of ``index`` only (a targeted push): two ``Balance`` per 40
    products, each conditioned on those products and the mapped warehouses. [2·⌈n/chunk⌉]"""
    stock_ids = list(warehouses)
    width = len(stock_ids)
    column = {warehouses[sid].lower(): w for w, sid in enumerate(stock_ids)}
    out = CatalogSnapshot.empty_stock(len(index), width)
    physical = utp.stock_balances_of(list(index), list(column))
    reserved = utp.reserve_balances_of(list(index), list(column))
    for (warehouse, ref), quantity in physical.items():
        i, w = index.get(ref), column.get(warehouse)
        if i is not None and w is not None:
            free = quantity - reserved.get((warehouse, ref), Decimal(0))
            out[i * width + w] = float(free) if free > 0 else 0.0
    return stock_ids, out, 2 * -(-len(index) // utp.chunk_size)


def stock_update(snapshot: CatalogSnapshot, i: int, sd_id: str) -> ProductUpdate:
    return ProductUpdate(id=sd_id, stock_by_warehouse=snapshot.stock_row(i))


def zero_stock_update(sd_id: str, stock_ids: list[str]) -> ProductUpdate:
    return ProductUpdate(id=sd_id, stock_by_warehouse=dict.fromkeys(stock_ids, 0))
