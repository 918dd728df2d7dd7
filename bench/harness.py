"""What the benchmarks share: the repository on ``sys.path`` (on import), quiet logs, the shop's
settings, the deal table, percentiles and busiest windows, and a sandbox stack seeded with a catalog."""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
for _extra in (ROOT / "bench", ROOT / "layers" / "common", ROOT):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

if TYPE_CHECKING:
    from bridge.settings import BridgeSettings
    from sandbox.runner.product import BridgeSandboxConfig

# The handlers' JSON logs (Powertools' logger is named after the service) would bury the figures.
NOISY_LOGGERS = ("werkzeug", "httpx", "sandbox", "botocore", "salesdrive-utp-bridge")


def argument_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose ``--help`` shows the benchmark's docstring as written."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def quiet_logs() -> None:
    """Warnings only, and errors only from the emulators, the SDKs and the handlers."""
    logging.basicConfig(level=logging.WARNING)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.ERROR)


def shop_settings(salesdrive_account: str, organisation: str, **extra: Any) -> BridgeSettings:
    """``BridgeSettings`` with the demo shop's UTP names (tests/shop_settings.py)."""
    from tests.shop_settings import shop_settings as demo_shop_settings

    return demo_shop_settings(salesdrive_account, organisation, **extra)


def create_table(dynamodb: Any, name: str) -> None:
    """The bridge's single table, as ``template.yaml`` declares it (the tests' helper builds it)."""
    from tests.bridge_table import create_bridge_table

    create_bridge_table(dynamodb, name)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``q`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def max_in_window(times: list[datetime], span: timedelta) -> int:
    """The most of the (sorted) ``times`` that fall within any ``span``."""
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= span:
            first += 1
        best = max(best, last - first + 1)
    return best


def seeded_stack(
    products: int, warehouses: int, *, utp_on_save: bool, prefix: str
) -> tuple[Any, BridgeSandboxConfig, Path]:
    """A sandbox stack (not started) on a UTP emulator seeded with ``products`` × ``warehouses``, its
    settings naming the seeded warehouses; returns the stack, its config and its state directory."""
    from sandbox.runner.product import DEFAULT_SETTINGS, BridgeSandboxConfig, build_stack
    from sandbox.utp.app import UtpEmulatorConfig

    print(f"Seeding the UTP emulator: {products:,} products × {warehouses} warehouses …", flush=True)
    utp_config = UtpEmulatorConfig(products=products, warehouses=warehouses, latency_ms=0)
    state_dir = Path(tempfile.mkdtemp(prefix=prefix))
    config = BridgeSandboxConfig(state_dir=state_dir, utp_config=utp_config, utp_on_save=utp_on_save)
    stack = build_stack(config)
    names = [w["description"] for w in stack.emulators["utp"].app.seed_info["warehouses"]]
    config.settings = {
        **DEFAULT_SETTINGS,
        "warehouses": {str(i + 1): name for i, name in enumerate(names)},
        "stock_ids": {name: i + 1 for i, name in enumerate(names)},
    }
    return stack, config, state_dir
