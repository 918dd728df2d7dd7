"""The emulator's settings: what a test or the CLI chooses when it starts one (UtpEmulatorConfig)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from .on_save import check_on_save_url


class UtpEmulatorConfig(BaseModel):
    base_name: str = "utp"
    user: str = "bridge"
    password: str = "bridge"
    db_path: str = ":memory:"
    products: int = 2000
    warehouses: int = 3
    random_seed: int = 42
    latency_ms: int = 0
    idle_after_s: float | None = None  # a request after this much idle time is slow (1C session start)
    cold_start_ms: int = 0
    fault_rate: float = 0.0
    fault_kinds: list[str] = Field(default_factory=lambda: ["500", "503", "timeout"])
    timeout_sleep_s: float = 0.0
    seed: bool = True
    on_save_url: str | None = None  # the admin's "on save" subscription POSTs here (off when None)
    # 1C's query language refuses `eq`/`ne`/`gt`… on strings of unlimited length (query_rules.py)
    refuse_unlimited_string_comparison: bool = True
    # Base settings the sales documents depend on (see posting_sales.SalesOptions); vat_payer also
    # decides whether cash receipts reflected in accounting need VAT accounts (posting_cash.py)
    orders_in_rows: bool = True
    warehouses_in_rows: bool = True
    vat_payer: bool = True

    @field_validator("on_save_url")
    @classmethod
    def _check_on_save_url(cls, v: str | None) -> str | None:
        return check_on_save_url(v)


# What `UtpEmulator.configure` and `POST /__emulator__/config` may change on a running emulator.
RUNTIME_KEYS = {
    "latency_ms",
    "idle_after_s",
    "cold_start_ms",
    "fault_rate",
    "fault_kinds",
    "timeout_sleep_s",
    "on_save_url",
    "refuse_unlimited_string_comparison",
    "vat_payer",
}
