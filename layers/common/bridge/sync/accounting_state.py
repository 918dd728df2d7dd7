"""Managers see the accounting state of each order in SalesDrive, without opening 1C.

One short text per order (``UTP order 0000123 of 02.10.2025; invoice 0000045`` or a parked reason) goes
into the field ``accounting_state_field`` names, or a comment line; no setting, no write. Written only
when it differs, one update per change; SalesDrive may echo the update as a webhook, which ``is_echo``
recognises so the deal processor ignores it. A failed write never fails the deal: the next event retries.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.errors import SalesDriveError
from bridge.salesdrive.models import Order
from bridge.settings import BridgeSettings
from bridge.store.accounting_state import WrittenState, WrittenStateStore
from bridge.store.deals import DealStore, DocumentKind, LedgerState
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpError
from bridge.utp.models import DocumentHeader

logger = logging.getLogger(__name__)

COMMENT = "comment"  # the setting's value that writes into the order's comment
COMMENT_MARK = "[UTP] "  # the bridge's own line of the comment; the manager's text is left alone
MAX_TEXT = 250  # a text custom field is a single line in SalesDrive's order card

# The documents of an order, in the order the text names them.
_KINDS: tuple[tuple[DocumentKind, str], ...] = (
    (DocumentKind.SALES_ORDER, "UTP order"),
    (DocumentKind.SALES_INVOICE, "invoice"),
    (DocumentKind.RETURN_NOTE, "return note"),
    (DocumentKind.ORDER_CLOSURE, "closed by"),
)


# --- the words ---------------------------------------------------------------------------------------


def manager_reason(reason: str, skus: list[str] | None = None) -> str:
    """A parking reason as a manager can act on it (the technical reason stays in the parked list)."""
    known = [s for s in (skus or []) if s]
    if known:
        if len(known) == 1:
            return f"SKU {known[0]} is not in UTP"
        return f"SKUs {', '.join(known)} are not in UTP"
    text = reason.strip()
    lowered = text.casefold()
    if "line without sku" in lowered:
        names = text.partition("line without SKU:")[2].strip(" )")
        return f"a line has no SKU ({names}): add the SKU in SalesDrive" if names else "a line has no SKU"
    if "no product lines" in lowered or "no lines" in lowered:
        return "the order has no lines: add the goods in SalesDrive"
    if lowered.startswith("utp refused:"):
        return f"UTP refused it: {text.partition(':')[2].strip()}"
    if lowered.startswith("retrying later"):
        return "UTP did not answer; the bridge retries automatically"
    if lowered.startswith("unknown sku in utp:"):
        return f"SKU {text.partition(':')[2].strip()} is not in UTP"
    return text


def _day(moment: datetime | date | None) -> str:
    return moment.strftime("%d.%m.%Y") if moment is not None else ""


def posted_text(documents: Mapping[DocumentKind, list[str]]) -> str:
    """``UTP order N of D; invoice N; …`` from [number, date] of each document the order has."""
    parts: list[str] = []
    for kind, label in _KINDS:
        found = documents.get(kind)
        if not found:
            continue
        number, day = found[0].strip(), found[1] if len(found) > 1 else ""
        if kind is DocumentKind.SALES_ORDER and day:
            parts.append(f"{label} {number} of {day}")
        else:
            parts.append(f"{label} {number}")
    return "; ".join(parts)


def parked_text(reason: str, skus: list[str] | None, posted: str) -> str:
    words = manager_reason(reason, skus)
    return f"{posted}; latest change parked: {words}" if posted else f"Parked: {words}"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- the writer --------------------------------------------------------------------------------------


@dataclass
class AccountingStateWriter:
    """Writes the accounting-state text of orders into SalesDrive (``settings.accounting_state_field``)."""

    salesdrive: SalesDriveClient
    written: WrittenStateStore
    settings: BridgeSettings

    @property
    def target(self) -> str | None:
        return self.settings.accounting_state_field

    # what the order carries now

    def current_text(self, order: Order) -> str | None:
        if self.target == COMMENT:
            lines = (order.comment or "").splitlines()
            mine = [line[len(COMMENT_MARK) :] for line in lines if line.startswith(COMMENT_MARK)]
            return mine[-1] if mine else None
        value = order.extra.get(self.target or "")
        return str(value) if value not in (None, "") else None

    def content_of(self, order: Order) -> str:
        """The order without what the bridge's own write changes (version, updateAt, this text)."""
        data = order.model_dump(mode="json", exclude={"version", "update_at"})
        if self.target == COMMENT:
            lines = (order.comment or "").splitlines()
            data["comment"] = "\n".join(line for line in lines if not line.startswith(COMMENT_MARK))
        else:
            data.pop(self.target or "", None)
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def is_echo(self, order: Order) -> bool:
        """The webhook SalesDrive sent for the bridge's own write: only this text changed."""
        if self.target is None:
            return False
        written = self.written.get(order.id)
        if written is None or self.current_text(order) != written.text:
            return False
        bumped_once = written.after_version is not None and order.version == written.after_version + 1
        return bumped_once or self.content_of(order) == written.content

    # what the order should carry

    def _numbers(
        self, order_id: int, store: DealStore, utp: UtpClient, known: Mapping[str, list[str]]
    ) -> tuple[dict[DocumentKind, list[str]], dict[str, list[str]]]:
        """[number, date] of each document the ledger holds for the order; UTP is read only for
        documents not seen before (one request per new kind)."""
        documents: dict[DocumentKind, list[str]] = {}
        numbers: dict[str, list[str]] = {}
        order_ref: str | None = None
        for kind, _ in _KINDS:
            entry = store.ledger(kind, str(order_id))
            if entry is None or entry.ref is None or entry.state is LedgerState.INTENT:
                continue
            if kind is DocumentKind.SALES_ORDER:
                order_ref = entry.ref
            if kind is not DocumentKind.SALES_ORDER and entry.state is not LedgerState.POSTED:
                continue
            found = known.get(entry.ref) or self._read_number(kind, entry.ref, order_ref, utp)
            if found is not None:
                documents[kind] = found
                numbers[entry.ref] = found
        return documents, numbers

    @staticmethod
    def _read_number(kind: DocumentKind, ref: str, order_ref: str | None, utp: UtpClient) -> list[str] | None:
        headers: list[DocumentHeader]
        if kind is DocumentKind.SALES_ORDER:
            headers = [utp.get_sales_order(ref)]
        elif order_ref is None:
            return None
        elif kind is DocumentKind.SALES_INVOICE:
            headers = utp.invoices_for_order(order_ref)
        elif kind is DocumentKind.RETURN_NOTE:
            headers = utp.returns_for_order(order_ref)
        else:
            headers = utp.closures_for_order(order_ref)
        for header in headers:
            if header.ref.lower() == ref.lower():
                return [header.number.strip(), _day(header.date)]
        return None

    def after_event(
        self,
        order: Order,
        *,
        store: DealStore,
        utp: UtpClient,
        parked: tuple[str, list[str]] | None = None,
        order_header: DocumentHeader | None = None,
    ) -> str | None:
        """Write the order's text if it changed; returns what was written (None: nothing)."""
        if self.target is None:
            return None
        previous = self.written.get(order.id)
        known = dict(previous.numbers) if previous else {}
        if order_header is not None:  # the number 1C gave the order it just created: no read
            known[order_header.ref] = [order_header.number.strip(), _day(order_header.date)]
        try:
            documents, numbers = self._numbers(order.id, store, utp, known)
        except UtpError as exc:  # UTP busy: the next event of the order writes the text
            store.audit(order.id, "accounting_state_not_written", reason=str(exc)[:200])
            return None
        text = posted_text(documents)
        if parked is not None:
            text = parked_text(parked[0], parked[1], text)
        text = _clip(text)
        content = self.content_of(order)
        if not text or self.current_text(order) == text:
            if previous is None or previous.text != text or previous.content != content:
                self._remember(order.id, text, content, numbers, after_version=None)
            return None
        try:
            self._send(order, text)
        except SalesDriveError as exc:
            store.audit(order.id, "accounting_state_not_written", reason=str(exc)[:200])
            logger.warning("accounting state not written to SalesDrive order %s: %s", order.id, exc)
            return None
        self._remember(order.id, text, content, numbers, after_version=order.version)
        store.audit(order.id, "accounting_state_written", text=text)
        return text

    def _send(self, order: Order, text: str) -> None:
        if self.target == COMMENT:
            lines = [line for line in (order.comment or "").splitlines() if not line.startswith(COMMENT_MARK)]
            self.salesdrive.update_order(order.id, comment="\n".join([*lines, COMMENT_MARK + text]))
        else:
            self.salesdrive.update_order(order.id, custom_fields={self.target or "": text})

    def _remember(
        self,
        order_id: int,
        text: str,
        content: str,
        numbers: dict[str, list[str]],
        *,
        after_version: int | None,
    ) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        self.written.put(
            WrittenState(
                order_id=order_id,
                text=text,
                content=content,
                numbers=numbers,
                at=at,
                after_version=after_version,
            )
        )
