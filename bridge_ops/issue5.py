"""SKU matching and the catalog push (issue 5), run in process against the target.

Both are discovered at run time through their public functions only (``bridge.sync.sku_matching.match_skus``,
``bridge.sync.catalog_push.read_catalog`` / ``push_catalog``, ``bridge.sync.stock.stock_warehouses``), so this
tool keeps working, and says clearly what is missing, while that work is unfinished.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class FeatureUnavailable(RuntimeError):
    """A function of issue 5 is not importable (yet) in this checkout."""


def public_function(module: str, name: str) -> Callable[..., Any]:
    try:
        found = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise FeatureUnavailable(f"{module} is not available in this version of the bridge ({exc})") from exc
    except AttributeError as exc:
        raise FeatureUnavailable(f"{module} has no public function {name} (yet)") from exc
    if not callable(found):
        raise FeatureUnavailable(f"{module}.{name} is not a function")
    return found


def counted(items: Iterable[Any], tick: Callable[[int], None]) -> Iterator[Any]:
    for item in items:
        tick(1)
        yield item


class CountingUtp:
    """Passes everything to the UTP client; counts the products a paged read yields."""

    def __init__(self, utp: Any, tick: Callable[[int], None]) -> None:
        self._utp = utp
        self._tick = tick

    def iter_products(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return counted(self._utp.iter_products(*args, **kwargs), self._tick)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._utp, name)


class CountingSalesDrive:
    """Passes everything to the SalesDrive client; counts the products each push sends."""

    def __init__(self, salesdrive: Any, tick: Callable[[int], None]) -> None:
        self._salesdrive = salesdrive
        self._tick = tick

    def push_products(self, products: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(products)
        try:
            return self._salesdrive.push_products(items, *args, **kwargs)
        finally:
            self._tick(len(items))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._salesdrive, name)


class FullPushBlobs:
    """Fingerprints for a full push: nothing was pushed before (so everything goes), and what SalesDrive
    accepts is saved to the real store (``None``: kept in memory only)."""

    def __init__(self, real: Any | None) -> None:
        self._real = real
        self.saved: bytes | None = None

    def load(self) -> bytes | None:
        return None

    def save(self, data: bytes) -> None:
        self.saved = data
        if self._real is not None:
            self._real.save(data)


class MemoryBlobs:
    def __init__(self) -> None:
        self.data: bytes | None = None

    def load(self) -> bytes | None:
        return self.data

    def save(self, data: bytes) -> None:
        self.data = data
