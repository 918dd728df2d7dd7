"""``BridgeSettings`` of the demo shop for tests and benchmarks: the UTP names the emulator seeds."""

from __future__ import annotations

from typing import Any

from bridge.settings import BridgeSettings


def shop_settings(salesdrive_account: str, organisation: str, **extra: Any) -> BridgeSettings:
    """``BridgeSettings`` with the demo shop's UTP names (price type, warehouse, cash desk …)."""
    return BridgeSettings(
        salesdrive_account=salesdrive_account,
        organisation=organisation,
        price_type="Роздрібна",
        default_warehouse="Основний склад",
        cash_desk="Основна каса",
        closure_reason="Відмова покупця",
        responsible_user="Інтеграція SalesDrive",
        **extra,
    )
