"""Free stock → SalesDrive per warehouse (``stockBalanceByStock``), any number of them (docs/mission.md).

Free stock is UTP's own web-shop formula (on hand − reserves − to transfer), never negative, summed over
characteristics and series. Each register holds one kind of warehouse only, so a warehouse costs three
``Balance`` reads (all five when its kind is unknown); formula and sources: docs/utp-catalog.md. Only
warehouses in ``settings.stock_ids`` are read; a push is ``STOCK_ONLY`` and protects name and price.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from decimal import Decimal

from bridge.salesdrive.products import ProductUpdate
from bridge.settings import BridgeSettings, SettingsError
from bridge.sync.catalog_diff import CatalogSnapshot
from bridge.utp import catalog as reads
from bridge.utp.client import UtpClient
from bridge.utp.names import NTT_STOCK, RESERVES, RETAIL_STOCK, STOCK, TO_TRANSFER

PHYSICAL = {"Оптовый": (STOCK,), "Розничный": (RETAIL_STOCK,), "НТТ": (NTT_STOCK,)}
ADDED = (STOCK, RETAIL_STOCK, NTT_STOCK)
SUBTRACTED = (RESERVES, TO_TRANSFER)


def registers_of(kind: str) -> tuple[str, ...]:
    """The registers of the formula that can hold a warehouse of this kind: its physical register and
    the two subtracted ones (all five for an unknown kind)."""
    return PHYSICAL.get(kind, ADDED) + SUBTRACTED


def _sign(register: str) -> int:
    return -1 if register in SUBTRACTED else 1


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
    """(stock ids in order, row-major free stock, UTP calls = 3 per warehouse of a known kind)."""
    stock_ids = list(warehouses)
    width = len(stock_ids)
    kinds = reads.warehouse_kinds(utp)
    out = CatalogSnapshot.empty_stock(len(index), width)
    calls = 0
    for w, stock_id in enumerate(stock_ids):
        key = warehouses[stock_id]
        free: dict[str, Decimal] = {}
        for register in registers_of(kinds.get(key.lower(), "")):
            calls += 1
            sign = _sign(register)
            for ref, quantity in reads.balance(utp, register, key).items():
                free[ref] = free.get(ref, Decimal(0)) + sign * quantity
        for ref, quantity in free.items():
            i = index.get(ref)
            if i is not None and quantity > 0:
                out[i * width + w] = float(quantity)
        del free
    return stock_ids, out, calls


def read_free_stock_of(
    utp: UtpClient, warehouses: Mapping[str, str], index: dict[str, int]
) -> tuple[list[str], array[float], int]:
    """``read_free_stock`` for the products of ``index`` only (a targeted push): per 40 products one
    ``Balance`` of each register the mapped warehouses' kinds need (3 for wholesale warehouses only, one
    more per other kind), each conditioned on those products and the mapped warehouses."""
    stock_ids = list(warehouses)
    width = len(stock_ids)
    column = {warehouses[sid].lower(): w for w, sid in enumerate(stock_ids)}
    kinds = reads.warehouse_kinds(utp)
    registers = list(dict.fromkeys(r for key in column for r in registers_of(kinds.get(key, ""))))
    free: dict[tuple[str, str], Decimal] = {}
    for register in registers:
        sign = _sign(register)
        for key, quantity in reads.balances_of(utp, register, list(index), list(column)).items():
            free[key] = free.get(key, Decimal(0)) + sign * quantity
    out = CatalogSnapshot.empty_stock(len(index), width)
    for (warehouse, ref), quantity in free.items():
        i, w = index.get(ref), column.get(warehouse)
        if i is not None and w is not None and quantity > 0:
            out[i * width + w] = float(quantity)
    return stock_ids, out, len(registers) * -(-len(index) // utp.chunk_size)


def stock_update(snapshot: CatalogSnapshot, i: int, sd_id: str) -> ProductUpdate:
    return ProductUpdate(id=sd_id, stock_by_warehouse=snapshot.stock_row(i))


def zero_stock_update(sd_id: str, stock_ids: list[str]) -> ProductUpdate:
    return ProductUpdate(id=sd_id, stock_by_warehouse=dict.fromkeys(stock_ids, 0))
