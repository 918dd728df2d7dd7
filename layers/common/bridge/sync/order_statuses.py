"""Two-way order statuses (capability 2 in docs/mission.md). SalesDrive → UTP: the status is written
to the sales order; UTP → SalesDrive: ``reconcile_statuses`` pushes what people set in UTP (precedence
policy below).

UT 10.3 has no order-status field, so the status lives in an additional property of the order (or a
custom attribute the settings name). The text is the status name as SalesDrive shows it; the id
travels in brackets so that a later reverse mapping never depends on a renamed status.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.meta import OrderMeta
from bridge.salesdrive.models import Order
from bridge.settings import BridgeSettings
from bridge.store.deals import DealStore, DocumentKind, LedgerState
from bridge.store.status_writes import StatusWritesStore
from bridge.utp.client import UtpClient
from bridge.utp.names import ORDER as ORDER_ENTITY

# The id in square brackets, first (as written now) or last (as written by earlier versions).
_ID_IN_TEXT = re.compile(r"^\s*\[(\d+)\]|\[(\d+)\]\s*$")
# UTP 1.2: ChartsOfCharacteristicTypes/СвойстваОбъектов.xml — a string property value is 50 characters,
# 1C cuts a longer one silently. An order attribute holding the status is a bounded string too.
STATUS_TEXT_LENGTH = 50


def read_status(utp: UtpClient, settings: BridgeSettings, order_ref: str) -> str | None:
    """The status text of one UTP order, wherever the settings keep it. [1]"""
    if settings.order_status_attribute:
        value = utp.get_sales_order(order_ref).attributes.get(settings.order_status_attribute)
    else:
        value = utp.get_property(order_ref, ORDER_ENTITY, settings.order_status_property)
    return value if isinstance(value, str) and value else None


def write_status(utp: UtpClient, settings: BridgeSettings, order_ref: str, text: str) -> None:
    """Write the status text of one UTP order, wherever the settings keep it. [1, or 2 to replace a
    property value]"""
    if settings.order_status_attribute:
        utp.set_document_fields(ORDER_ENTITY, order_ref, {settings.order_status_attribute: text})
    else:
        utp.set_property(order_ref, ORDER_ENTITY, settings.order_status_property, text)


def status_text(order: Order, meta: OrderMeta, status_names: dict[int, str]) -> str | None:
    """``"[<id>] <name>"`` within the property's length, or None when no name is known."""
    if order.status_id is None:
        return None
    name = meta.option_text("statusId", order.status_id) or status_names.get(order.status_id)
    if not name:
        name = meta.selected_text("statusId")
    # "[id] Name", cut to what UTP keeps: the id survives the cut and the text read back is the text
    # written (the reconciler compares them). No name known: nothing is written, never a bare id.
    return f"[{order.status_id}] {name}"[:STATUS_TEXT_LENGTH] if name else None


def status_id_of(text: str | None) -> int | None:
    """The SalesDrive status id written by ``status_text`` (None for text a person typed freely)."""
    if not text:
        return None
    found = _ID_IN_TEXT.search(text)
    return int(found.group(1) or found.group(2)) if found else None


# --- UTP → SalesDrive, echo suppression and conflicts ----------------------------------------------
#
# Precedence policy (both sides changed the same order between two runs of the reconciler):
# 1. SalesDrive wins: its change carries a version and drives the document rules (invoice, closure,
#    return). The person's UTP value is overwritten and recorded in the audit trail as the loser
#    ("status_conflict"), never silently dropped.
# 2. Document guard: nothing moves an order with a posted sales invoice back to a status that is
#    neither completed nor cancelled from UTP: such a UTP change is not pushed, UTP gets the last
#    synced status back, and the refusal is audited ("status_push_refused").
# 3. An echo (the status_change webhook of a status the bridge itself pushed) never writes UTP: a
#    person may have changed UTP again meanwhile, and that newer value is pushed by the next run.

_SD_MARKER = re.compile(r"^SD-(\d+)$")


def resolve_status_id(text: object, statuses: Mapping[int, tuple[str, int | None]]) -> int | None:
    """The SalesDrive status id of a UTP text: "[id] Name" as the bridge writes it, or a status name
    a person typed (case-insensitive). None: not a SalesDrive status."""
    if not isinstance(text, str) or not text.strip():
        return None
    found = status_id_of(text)
    if found is not None:
        return found if found in statuses or not statuses else None
    wanted = text.strip().casefold()
    matches = [sid for sid, (name, _) in statuses.items() if name.strip().casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class IncomingStatus:
    text: str  # what the bridge records as the UTP status text it knows
    write: bool  # False: UTP must not be written (an echo, or UTP already shows it)


def settle_incoming_status(
    order_id: int,
    status_id: int,
    text: str,
    previous_text: str | None,
    *,
    order_ref: str,
    utp: UtpClient,
    store: DealStore,
    writes: StatusWritesStore,
    settings: BridgeSettings,
    statuses: Mapping[int, tuple[str, int | None]],
) -> IncomingStatus:
    """The deal flow's status hook for an order already in UTP whose SalesDrive status changed.

    One UTP read (the current property) and one DynamoDB read; only when the status text changes.
    """
    own = writes.get(order_id)
    if own is not None and own.pushed_status_id == status_id:
        writes.clear_push(order_id)
        store.audit(order_id, "status_echo_ignored", status_id=status_id)
        return IncomingStatus(text, write=False)
    current_text = read_status(utp, settings, order_ref)
    if current_text is not None and resolve_status_id(current_text, statuses) == status_id:
        return IncomingStatus(current_text, write=False)
    known = {previous_text, own.utp_text if own else None}
    if current_text is not None and current_text not in known:
        store.audit(
            order_id,
            "status_conflict",
            winner="salesdrive",
            salesdrive_status=text,
            utp_status_lost=current_text,
        )
    return IncomingStatus(text, write=True)


@dataclass
class StatusReport:
    pushed: dict[int, int] = field(default_factory=dict)  # SalesDrive order id → status id pushed
    refused: list[int] = field(default_factory=list)
    unrecognised: list[int] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)  # UTP's value changed while the run looked
    orders_checked: int = 0
    orders_changed: int = 0  # of those checked: a status other than the last run saw (read in DynamoDB)

    def as_dict(self) -> dict[str, Any]:
        """What the reconciler's Lambda returns."""
        return {
            "pushed": {str(k): v for k, v in self.pushed.items()},
            "refused": self.refused,
            "unrecognised": self.unrecognised,
            "orders_checked": self.orders_checked,
            "orders_changed": self.orders_changed,
        }


class SeenStatuses(Protocol):
    """Where the reconciler keeps the statuses it saw last run (one small object: ``FingerprintStore``)."""

    def load(self) -> bytes | None: ...

    def save(self, data: bytes) -> None: ...


def _decode_seen(blob: bytes | None) -> dict[str, str]:
    if not blob:
        return {}
    try:
        data = json.loads(gzip.decompress(blob))
    except (OSError, ValueError):  # unreadable: start afresh (every order is checked once more)
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _encode_seen(seen: Mapping[str, str]) -> bytes:
    return gzip.compress(json.dumps(seen, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def _shipped(store: DealStore, order_id: int) -> bool:
    invoice = store.ledger(DocumentKind.SALES_INVOICE, str(order_id))
    return invoice is not None and invoice.state is LedgerState.POSTED


def _status_values(
    utp: UtpClient, settings: BridgeSettings, now: datetime
) -> tuple[list[tuple[int, str]], dict[str, object]]:
    """The window's orders the bridge made (SalesDrive id, ref) and their status values by lowercase ref."""
    orders = utp.sales_orders_since(now - timedelta(days=settings.status_window_days))
    marked: list[tuple[int, str]] = []
    values: dict[str, object] = {}
    for order in orders:
        found = _SD_MARKER.match(order.marker or "")
        if found is not None:
            marked.append((int(found.group(1)), order.ref))
            if settings.order_status_attribute:  # read with the headers: no further UTP call
                values[order.ref.lower()] = order.attributes.get(settings.order_status_attribute)
    if not settings.order_status_attribute:
        values = dict(
            utp.property_values_of(settings.order_status_property, ORDER_ENTITY, [r for _, r in marked])
        )
    return marked, values


def reconcile_statuses(
    *,
    utp: UtpClient,
    salesdrive: SalesDriveClient,
    store: DealStore,
    writes: StatusWritesStore,
    settings: BridgeSettings,
    statuses: Mapping[int, tuple[str, int | None]],
    now: datetime,
    seen: SeenStatuses | None = None,
) -> StatusReport:
    """Push the statuses people set in UTP to SalesDrive (no list call: ``/api/order/update/`` only).

    UTP cost, proportional to the window (never to the whole history of orders): ⌈orders in the
    window / 1000⌉ header reads + ⌈orders of the window carrying an ``SD-`` marker / chunk⌉ reads of
    their status values (``UtpClient.property_values_of``, 40 orders per request by default).
    DynamoDB cost: only the orders whose status differs from what the last run saw (``seen``: one
    object read and written per run), not two reads per order of the window.
    """
    report = StatusReport()
    previous = _decode_seen(seen.load()) if seen is not None else {}
    current: dict[str, str] = {}
    marked, values = _status_values(utp, settings, now)
    push = _StatusPush(utp, salesdrive, store, writes, settings, statuses, report)
    for order_id, ref in marked:
        value = values.get(ref.lower())
        if not isinstance(value, str):
            continue
        report.orders_checked += 1
        current[ref.lower()] = value
        if previous.get(ref.lower()) == value:
            continue  # the same as last run, which handled it
        report.orders_changed += 1
        push.changed(order_id, ref, value)
    if seen is not None:  # only after every change was handled: a run that failed is done again
        seen.save(_encode_seen(current))
    return report


@dataclass
class _StatusPush:
    """What the reconciler does with one order whose UTP status changed since the last run."""

    utp: UtpClient
    salesdrive: SalesDriveClient
    store: DealStore
    writes: StatusWritesStore
    settings: BridgeSettings
    statuses: Mapping[int, tuple[str, int | None]]
    report: StatusReport

    def changed(self, order_id: int, ref: str, value: str) -> None:
        store, writes, report = self.store, self.writes, self.report
        state = store.order_state(order_id)
        if state is None:
            return
        own = writes.get(order_id)
        if value in {state.characteristics.get(self.settings.status_key), own.utp_text if own else None}:
            return  # the bridge's own write, or a change already handled
        wanted = resolve_status_id(value, self.statuses)
        if wanted is None:
            report.unrecognised.append(order_id)
            writes.record_push(order_id, utp_text=value, status_id=None)
            store.audit(order_id, "status_unrecognised", utp_status=value)
            return
        if wanted == state.status_id:
            writes.record_push(order_id, utp_text=value, status_id=None)
            return
        if self._refused_after_shipment(order_id, ref, value, wanted, state.characteristics):
            return
        if read_status(self.utp, self.settings, ref) != value:
            # The deal flow wrote UTP since the window was read (a newer SalesDrive status, saved with its
            # state after we read the values): pushing the old value would undo that change in SalesDrive.
            # The next run reads the current value. (Found by the chaos run; one UTP read per push.)
            report.superseded.append(order_id)
            return
        self.salesdrive.update_order(order_id, status_id=wanted)
        writes.record_push(order_id, utp_text=value, status_id=wanted)
        store.audit(order_id, "status_pushed_to_salesdrive", status_id=wanted, utp_status=value)
        report.pushed[order_id] = wanted

    def _refused_after_shipment(
        self, order_id: int, ref: str, value: str, wanted: int, characteristics: Mapping[str, str]
    ) -> bool:
        """A shipped order only moves forward (completed or cancelled): UTP gets the synced status back."""
        settings = self.settings
        status_type = self.statuses.get(wanted, ("", None))[1]
        moves_forward = settings.completed.matches(wanted, status_type) or settings.cancelled.matches(
            wanted, status_type
        )
        synced = characteristics.get(settings.status_key)
        if not (_shipped(self.store, order_id) and not moves_forward and synced):
            return False
        write_status(self.utp, settings, ref, synced)
        self.report.refused.append(order_id)
        self.store.audit(
            order_id,
            "status_push_refused",
            reason="the order has a posted sales invoice",
            utp_status_lost=value,
            kept=synced,
        )
        return True
