"""Kept for callers of the former module: the catalog reads now live in ``bridge.utp.catalog``."""

from bridge.utp.catalog import (
    PRICE_ROWS as PRICES,
)
from bridge.utp.catalog import (
    PriceRow,
    PriceTypeSettings,
    balance,
    balances_of,
    exchange_rates,
    price_rows,
    price_type_settings,
    unit_coefficients,
    warehouse_kinds,
)
from bridge.utp.names import EXCHANGE_RATES as RATES
from bridge.utp.names import NTT_STOCK as NTT
from bridge.utp.names import PRICE_TYPES, RESERVES, STOCK, TO_TRANSFER
from bridge.utp.names import RETAIL_STOCK as RETAIL

__all__ = [
    "NTT",
    "PRICES",
    "PRICE_TYPES",
    "RATES",
    "RESERVES",
    "RETAIL",
    "STOCK",
    "TO_TRANSFER",
    "PriceRow",
    "PriceTypeSettings",
    "balance",
    "balances_of",
    "exchange_rates",
    "price_rows",
    "price_type_settings",
    "unit_coefficients",
    "warehouse_kinds",
]
