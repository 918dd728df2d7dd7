"""Payments in: SalesDrive incoming payments become posted UTP cash receipts (docs/mission.md).

Runs on a schedule (SalesDrive sends no payment webhook): retries parts still waiting for their order,
then reads payments changed since the watermark, one receipt per (payment, order) with marker
``SDP-<payment>-<order>``, created find-first so a crash is resolved by the marker. The watermark moves
only after the whole window; unallocated payments are reported, never guessed. Details:
docs/utp-cash-receipts.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bridge.read_budget import ReadBudgetExhausted
from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import SalesDriveThrottled
from bridge.salesdrive.payments import Payment
from bridge.settings import BridgeSettings, SettingsError
from bridge.store.cursors import CursorStore
from bridge.store.deals import DealStore, DocumentKind, LedgerState
from bridge.sync.deals import marker_of
from bridge.sync.exactly_once import DocumentInProgress, EnsuredDocument, ExistingDocument, ensure_document
from bridge.sync.reference import UtpReference, utp_now
from bridge.sync.watermarks import Window, format_watermark, next_watermark, parse_watermark, window_for
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpBusinessRefusal, UtpError
from bridge.utp.models import CashReceiptInput, SalesOrder
from bridge.utp.names import RECEIPT

JOB = "payments"
UNALLOCATED_KEPT = 200  # the cursor remembers this many unallocated payments for the operator


def receipt_marker(payment_id: int, order_id: int) -> str:
    """The find-before-create marker of the cash receipt of one payment part (one token)."""
    return f"SDP-{payment_id}-{order_id}"


@dataclass(frozen=True)
class PaymentPart:
    """What one cash receipt is made of: the part of a payment allocated to one order."""

    payment_id: int
    order_id: int
    amount: Decimal
    date: str  # SalesDrive's payment date "YYYY-MM-DD HH:MM:SS" (account-local), "" if none
    payer: str = ""

    @property
    def key(self) -> str:
        return f"{self.payment_id}-{self.order_id}"

    @property
    def marker(self) -> str:
        return receipt_marker(self.payment_id, self.order_id)

    def dump(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "order_id": self.order_id,
            "amount": str(self.amount),
            "date": self.date,
            "payer": self.payer,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> PaymentPart:
        return cls(
            payment_id=int(data["payment_id"]),
            order_id=int(data["order_id"]),
            amount=Decimal(str(data["amount"])),
            date=str(data.get("date") or ""),
            payer=str(data.get("payer") or ""),
        )


@dataclass
class PaymentReport:
    created: list[str] = field(default_factory=list)  # markers of receipts made in this run
    already_done: list[str] = field(default_factory=list)  # recorded or found in UTP
    waiting: dict[str, str] = field(default_factory=dict)  # marker → why it waits
    unallocated: list[int] = field(default_factory=list)  # payment ids allocated to no order
    payments_read: int = 0
    watermark: str | None = None
    budget_exhausted_until: datetime | None = None
    # Payments SalesDrive sent in a form the bridge cannot read: "<id>: <reason>"; the rest goes on.
    unreadable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """What the importer's Lambda returns."""
        return {
            "created": self.created,
            "waiting": sorted(self.waiting),
            "unallocated": self.unallocated,
            "watermark": self.watermark,
            "budget_exhausted": self.budget_exhausted_until is not None,
        }


@dataclass
class PaymentCollaborators:
    salesdrive: SalesDriveClient
    utp: UtpClient
    store: DealStore
    cursors: CursorStore
    settings: BridgeSettings
    reference: UtpReference


def payment_parts(payment: Payment) -> tuple[list[PaymentPart], bool]:
    """The parts of a payment by order (same order summed), and whether some of it has no order."""
    by_order: dict[int, Decimal] = {}
    unallocated = not payment.payment_breakdown
    for allocation in payment.payment_breakdown:
        amount = allocation.sum or Decimal(0)
        if allocation.order_id is None or amount <= 0:
            unallocated = True
            continue
        by_order[allocation.order_id] = by_order.get(allocation.order_id, Decimal(0)) + amount
    date = payment.date.strftime("%Y-%m-%d %H:%M:%S") if payment.date else ""
    payer = ""
    if payment.counterparty and payment.counterparty.title:
        payer = payment.counterparty.title
    elif payment.contact:
        names = (payment.contact.last_name, payment.contact.first_name, payment.contact.middle_name)
        payer = " ".join(n for n in names if n)
    parts = [PaymentPart(payment.id, order_id, amount, date, payer) for order_id, amount in by_order.items()]
    return parts, unallocated


def _order_ref(order_id: int, ctx: PaymentCollaborators) -> str | None:
    """The UTP sales order of a SalesDrive order: the bridge's record, else UTP by marker. [0–1 UTP]"""
    state = ctx.store.order_state(order_id)
    if state is not None and state.utp_order_ref:
        return state.utp_order_ref
    ledger = ctx.store.ledger(DocumentKind.SALES_ORDER, str(order_id))
    if ledger is not None and ledger.ref:
        return ledger.ref
    found = ctx.utp.find_sales_order_by_marker(marker_of(order_id))
    return found.ref if found is not None and not found.deletion_mark else None


def import_part(part: PaymentPart, ctx: PaymentCollaborators, report: PaymentReport) -> bool:
    """One cash receipt for one part, exactly once. False: the part must wait (kept for the next run).

    UTP transport failures propagate (the run stops, the watermark stays, the next run retries).
    """
    done = ctx.store.ledger(DocumentKind.CASH_RECEIPT, part.marker)
    if done is not None and done.ref and done.state is LedgerState.POSTED:
        report.already_done.append(part.marker)
        return True
    order_ref = _order_ref(part.order_id, ctx)
    if order_ref is None:
        report.waiting[part.marker] = "the order is not in UTP yet"
        return False
    order = ctx.utp.get_sales_order(order_ref)
    if not order.counterparty_key or not order.contract_key:
        report.waiting[part.marker] = "the UTP order has no counterparty or contract"
        return False
    try:
        ensured = _ensure_receipt(part, _receipt_draft(part, order, order_ref, ctx), ctx)
    except UtpBusinessRefusal as exc:
        reason = f"UTP refused: {exc}"
        report.waiting[part.marker] = reason
        ctx.store.audit(part.order_id, "cash_receipt_refused", payment_id=part.payment_id, reason=reason)
        return False
    if ensured.created:
        report.created.append(part.marker)
        ctx.store.audit(
            part.order_id,
            "cash_receipt_created",
            payment_id=part.payment_id,
            amount=str(part.amount),
            ref=ensured.ref,
        )
    else:
        report.already_done.append(part.marker)
    return True


def _receipt_draft(
    part: PaymentPart, order: SalesOrder, order_ref: str, ctx: PaymentCollaborators
) -> CashReceiptInput:
    """The cash receipt of one part: dated when paid, for the order's counterparty and contract."""
    paid_at = datetime.strptime(part.date, "%Y-%m-%d %H:%M:%S") if part.date else None
    assert order.counterparty_key and order.contract_key  # import_part waits for orders without them
    return CashReceiptInput(
        date=paid_at or order.date or utp_now(ctx.settings),
        organisation_key=order.organisation_key or ctx.reference.organisation_key,
        cash_desk_key=ctx.reference.cash_desk_key,
        counterparty_key=order.counterparty_key,
        contract_key=order.contract_key,
        currency_key=order.currency_key or ctx.reference.currency_key,
        order_key=order_ref,
        amount=part.amount,
        marker=part.marker,
        vat_rate=ctx.settings.vat_rate,
        received_from=part.payer[:100],
        responsible_key=ctx.reference.responsible_key,
        basis=f"SalesDrive: оплата #{part.payment_id}, замовлення #{part.order_id}",
    )


def _ensure_receipt(part: PaymentPart, draft: CashReceiptInput, ctx: PaymentCollaborators) -> EnsuredDocument:
    utp = ctx.utp

    def find() -> ExistingDocument | None:
        found = utp.find_cash_receipt_by_marker(part.marker)
        if found is None or found.deletion_mark:
            return None
        return ExistingDocument(found.ref, found.posted)

    return ensure_document(
        ctx.store,
        DocumentKind.CASH_RECEIPT,
        part.marker,
        find=find,
        create=lambda: utp.create_cash_receipt(draft, post=False).ref,
        post=lambda ref: utp.post_document(RECEIPT, ref),
        find_first=True,
        detail={"payment_id": part.payment_id, "amount": str(part.amount)},
    )


class _PaymentRun:
    """One run's state: the parts waiting in the cursor, the unallocated payments kept for the operator."""

    def __init__(self, ctx: PaymentCollaborators, now: datetime) -> None:
        self.ctx = ctx
        self.now = now
        self.report = PaymentReport()
        cursor = ctx.cursors.get(JOB) or {}
        self.pending: dict[str, dict[str, Any]] = dict(cursor.get("pending") or {})
        self.unallocated: dict[str, dict[str, Any]] = dict(cursor.get("unallocated") or {})
        self.watermark = parse_watermark(cursor.get("updated_at"))

    def save(self, new_watermark: datetime | None) -> None:
        kept = dict(sorted(self.unallocated.items(), key=lambda kv: int(kv[0]))[-UNALLOCATED_KEPT:])
        value: dict[str, Any] = {"pending": self.pending, "unallocated": kept}
        if new_watermark is not None:
            value["updated_at"] = format_watermark(new_watermark)
        self.ctx.cursors.put(JOB, value)

    def _import_or_wait(self, part: PaymentPart) -> bool:
        try:
            return import_part(part, self.ctx, self.report)
        except (UtpError, DocumentInProgress) as exc:
            # One part's outage or lost answer must not stop the others: it waits with its reason
            # (kept in the cursor, retried next run without a list call; its ledger finds it again).
            self.report.waiting[part.marker] = f"UTP unavailable, retried next run: {exc}"
            return False

    def handle(self, parts: Iterable[PaymentPart]) -> None:
        for part in parts:
            if self._import_or_wait(part):
                self.pending.pop(part.key, None)
            else:
                first = self.pending.get(part.key, {}).get("waiting_since") or format_watermark(self.now)
                self.pending[part.key] = part.dump() | {
                    "waiting_since": first,
                    "reason": self.report.waiting[part.marker],
                }

    def unreadable_payment(self, item: Mapping[str, Any], reason: str) -> None:
        # Kept with the unallocated payments so that the operator sees it (bridge_ops), never dropped.
        key = str(item.get("id"))
        self.report.unreadable.append(f"{key}: {reason}")
        self.unallocated[key] = {"unreadable": reason, "sum": str(item.get("sum")), "date": item.get("date")}

    def handle_changed(self, window: Window, overlap: timedelta) -> datetime | None:
        """Import the payments changed in ``window``; returns the latest change seen."""
        latest: datetime | None = None
        report = self.report
        for payment in self.ctx.salesdrive.iter_payments(
            window.start, window.end, overlap=overlap, on_invalid=self.unreadable_payment
        ):
            report.payments_read += 1
            if payment.type and payment.type != "incoming":
                continue
            parts, has_unallocated = payment_parts(payment)
            if has_unallocated:
                report.unallocated.append(payment.id)
                self.unallocated[str(payment.id)] = {
                    "sum": str(payment.sum) if payment.sum is not None else None,
                    "date": payment.date.strftime("%Y-%m-%d %H:%M:%S") if payment.date else None,
                    "allocated_to": [p.order_id for p in parts],
                }
            else:
                self.unallocated.pop(str(payment.id), None)
            self.handle(parts)
            if payment.updated_at is not None and (latest is None or payment.updated_at > latest):
                latest = payment.updated_at
        return latest


def import_payments(ctx: PaymentCollaborators, *, now: datetime, overlap_minutes: int) -> PaymentReport:
    """One run of the payment importer. ``now`` is SalesDrive's account-local wall-clock time."""
    if not ctx.reference.responsible_key:
        # UTP 1.2: Documents/ПриходныйКассовыйОрдер/Ext/ObjectModule.bsl, ПроверитьЗаполнениеДокумента —
        # a customer's payment is not posted without Ответственный: every receipt would be refused.
        raise SettingsError(
            "responsible_user: required for cash receipts (UTP posts a customer's payment only with "
            "Ответственный); name the UTP user the bridge acts for"
        )
    run = _PaymentRun(ctx, now)
    report, watermark = run.report, run.watermark
    # 1. parts that waited for their order (no list call).
    run.handle([PaymentPart.load(data) for data in list(run.pending.values())])
    run.save(watermark)
    # 2. payments changed since the watermark.
    window = window_for(watermark, now)
    try:
        latest = run.handle_changed(window, timedelta(minutes=overlap_minutes))
    except (ReadBudgetExhausted, SalesDriveThrottled) as exc:
        # SalesDrive throttled us anyway (someone else spends the account's quota too): stop like an
        # exhausted budget, keep the watermark, come back next run.
        report.budget_exhausted_until = (
            exc.retry_at
            if isinstance(exc, ReadBudgetExhausted)
            else now + timedelta(seconds=exc.retry_after or 60)
        )
        run.save(watermark)  # the window is incomplete: keep the watermark
        report.watermark = format_watermark(watermark) if watermark else None
        return report
    new_watermark = next_watermark(window, latest, now)
    run.save(new_watermark)
    report.watermark = format_watermark(new_watermark)
    return report
