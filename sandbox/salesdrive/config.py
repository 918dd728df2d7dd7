"""Emulator configuration: credentials, limits, and a switch for each behaviour SalesDrive leaves open.

What is documented and what is not: docs/salesdrive-api.md; the emulator's choices: README.md "Unknowns".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .odd_shapes import OddShape

Rate = float


class SalesDriveEmulatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Account and credentials.
    account: str = "sparesshop"
    api_key: str = "sandbox-api-key"
    form_key: str = "sandbox-form-key"  # legacy order-base key: `form` body key / `Form-Api-Key` header
    yml_public_key: str = "sandbox-yml-key"

    # Error answers: their HTTP statuses are undocumented.
    auth_error_status: int = 401
    error_status: int = 400

    # Read limits on the list endpoints: the numbers are documented; answer shape, window and scope are not.
    throttle_shape: Literal["429", "400"] = "429"
    limit_window: Literal["sliding", "fixed"] = "sliding"
    limits: tuple[int, int, int] = (10, 100, 1000)  # per minute, hour, day
    limit_scope: Literal["account", "endpoint"] = "account"

    # Undocumented behaviour of orders and payments.
    payment_bumps_order_update_at: bool = True
    payment_unique_id: Literal["dedup", "error", "ignore"] = "dedup"
    absolute_discount: Literal["line", "unit"] = "line"  # an absolute line discount: per line or per unit
    list_sort: Literal["id_desc", "id_asc"] = "id_desc"  # the order of list answers
    # Real payloads carry some numbers as strings (tests/fixtures/salesdrive/order_list_swagger.json).
    numbers_as_strings: bool = True
    # Shapes real accounts send besides the usual one (see odd_shapes.py): webhooks and order lists.
    odd_shapes: list[OddShape] = Field(default_factory=list)
    yml_refresh_s: float = Field(default=0.0, ge=0)  # 0 = the feed is always current

    # Webhook delivery faults and guarantees: none is documented; integrators report late, repeated and
    # out-of-order deliveries (docs/salesdrive-api.md, "Webhooks").
    webhook_duplicate_rate: Rate = Field(default=0.0, ge=0, le=1)
    webhook_reorder_rate: Rate = Field(default=0.0, ge=0, le=1)
    webhook_reorder_max_hold_s: float = Field(default=60.0, ge=0)
    webhook_delay_s: float = Field(default=0.0, ge=0)
    webhook_loss_rate: Rate = Field(default=0.0, ge=0, le=1)
    webhook_retry_count: int = Field(default=3, ge=0)
    webhook_retry_backoff_s: float = Field(default=5.0, ge=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    random_seed: int = 0
    # Does an update that changes something other than the status send `status_change`? Documented only
    # for status changes; "any" also for a custom field, a comment, …
    update_webhook: Literal["status", "any"] = "status"

    # State.
    db_path: str | None = None  # None = in memory; a path = SQLite persistence
    seed: bool = True
    seed_products: int = Field(default=5, ge=0)

    def updated(self, **changes: Any) -> SalesDriveEmulatorConfig:
        return SalesDriveEmulatorConfig.model_validate({**self.model_dump(), **changes})
