"""The dictionary endpoints: statuses, payment and delivery methods, currencies.

Shapes as docs/salesdrive-api.md ("Orders") states them and `tests/fixtures/salesdrive/dictionaries_driz.json`
shows them: `{success: true, data: [{id, name, type}]}` and `[{id, name, parameter}]`.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .access import authorized, denied
from .state import Doc, State
from .wire import json_response

if TYPE_CHECKING:
    from .app import SalesDriveEmulator


def statuses(state: State, form_id: int = 1) -> dict[int, Doc]:
    """The statuses of one order base by id; `type` 1 in progress, 2 sale, 3 refusal/return, 4 deleted."""
    return {s["id"]: s for s in state.dicts["statuses"] if s.get("formId", 1) == form_id}


def handle_statuses(emu: SalesDriveEmulator, request: Request) -> Response:
    if not authorized(emu.config, request):
        return denied(emu.config)
    data = [{"id": s["id"], "name": s["name"], "type": s["type"]} for s in emu.state.dicts["statuses"]]
    return json_response({"success": True, "data": data})


def _methods(emu: SalesDriveEmulator, request: Request, name: str) -> Response:
    if not authorized(emu.config, request):
        return denied(emu.config)
    return json_response({"success": True, "data": copy.deepcopy(emu.state.dicts[name])})


def handle_payment_methods(emu: SalesDriveEmulator, request: Request) -> Response:
    return _methods(emu, request, "payment_methods")


def handle_delivery_methods(emu: SalesDriveEmulator, request: Request) -> Response:
    return _methods(emu, request, "delivery_methods")


def handle_currencies(emu: SalesDriveEmulator, request: Request) -> Response:
    if not authorized(emu.config, request, order_base=False):
        return denied(emu.config)
    return json_response(
        {
            "baseCurrency": "UAH",
            "currencies": [
                {"code": "USD", "abbreviation": "$", "rate": 41.5},
                {"code": "EUR", "abbreviation": "€", "rate": 48.2},
            ],
        }
    )
