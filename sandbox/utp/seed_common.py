"""What the seed steps share: the seed date and rates, and the context that draws references and
data versions from the one random generator (the same draws in the same order: a seed is repeatable)."""

from __future__ import annotations

import base64
import random
import uuid
from typing import Any

from .model import ENTITIES
from .store import Store

SEED_DATE = "2024-01-01T00:00:00"
USD_RATE = 41.25  # UAH per 1 USD on SEED_DATE
PACK = 10.0  # the "pack" unit some price rows are set in (10 pieces)


class SeedContext:
    def __init__(self, store: Store, random_seed: int):
        self.store = store
        self.rng = random.Random(random_seed)
        self._versions = 0

    def ref(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=1))

    def version(self) -> str:
        self._versions += 1
        return base64.b64encode((0x23000000 + self._versions).to_bytes(8, "big")).decode()

    def obj(self, set_name: str, **fields: Any) -> dict[str, Any]:
        """A new object of `set_name` with the stored defaults, a drawn Ref_Key and the next version."""
        ent = ENTITIES[set_name]
        rec = {
            **self.store.defaults[set_name],
            **{t: [] for t in ent.tables},
            "Ref_Key": self.ref(),
            "DataVersion": self.version(),
        }
        rec.update(fields)
        return rec

    def put(self, set_name: str, rec: dict[str, Any]) -> dict[str, Any]:
        self.store.put(set_name, rec)
        return rec

    def new(self, set_name: str, **fields: Any) -> dict[str, Any]:
        """obj() and put() in one."""
        return self.put(set_name, self.obj(set_name, **fields))
