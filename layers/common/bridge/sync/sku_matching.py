"""SKU matching (capability 7 in docs/mission.md): link products on both sides, export UTP-only ones.

Compares SalesDrive's YML feed with UTP's ``Catalog_Номенклатура`` by SKU after ``sku_normalisation``.
An SKU held by several products on either side, or a "SalesDrive ID" already naming another product, is
ambiguous: reported with every candidate, never guessed or overwritten. Each pair gets the SalesDrive id
written into UTP (``bridge.sync.product_ids``) and an ID-map entry, so orders resolve without a UTP
lookup; then parked orders waiting for a SKU are replayed. ``dry_run`` writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bridge.salesdrive.client import SalesDriveClient
from bridge.salesdrive.products import MAX_BATCH, ProductUpdate, PushMode
from bridge.salesdrive.yml import YmlOffer
from bridge.settings import BridgeSettings
from bridge.store.cursors import CursorStore
from bridge.store.deals import DealStore, ProductLink
from bridge.sync.product_ids import write_product_ids
from bridge.utp.client import UtpClient
from bridge.utp.errors import UtpNotFoundError
from bridge.utp.models import Product
from bridge.utp.names import PRODUCTS as PRODUCT_ENTITY

Status = Literal["matched", "linked", "exported", "ambiguous", "only_in_salesdrive", "only_in_utp", "failed"]
STATUSES: tuple[Status, ...] = (
    "matched",
    "linked",
    "exported",
    "ambiguous",
    "only_in_salesdrive",
    "only_in_utp",
    "failed",
)


@dataclass(frozen=True, slots=True)
class MatchRow:
    status: Status
    sku: str
    salesdrive_ids: tuple[str, ...] = ()
    utp_refs: tuple[str, ...] = ()
    utp_codes: tuple[str, ...] = ()
    name: str = ""
    note: str = ""


@dataclass
class MatchReport:
    dry_run: bool
    rows: list[MatchRow] = field(default_factory=list)
    replayed_orders: list[int] = field(default_factory=list)
    utp_writes: int = 0
    salesdrive_calls: int = 0
    id_pending: int = 0  # products whose card needs the SalesDrive ID property
    id_left: int = 0  # of those, left for the next run (paced by product_id_writes_per_minute)

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def summary(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUSES}

    def of(self, status: Status) -> list[MatchRow]:
        return [row for row in self.rows if row.status == status]

    def to_json(self) -> str:
        return json.dumps(
            {
                "dry_run": self.dry_run,
                "summary": self.summary,
                "replayed_orders": self.replayed_orders,
                "utp_writes": self.utp_writes,
                "id_pending": self.id_pending,
                "id_left": self.id_left,
                "salesdrive_calls": self.salesdrive_calls,
                "rows": [asdict(row) for row in self.rows],
            },
            ensure_ascii=False,
            indent=1,
        )

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["status", "sku", "salesdrive_ids", "utp_refs", "utp_codes", "name", "note"])
        for row in self.rows:
            writer.writerow(
                [
                    row.status,
                    row.sku,
                    " ".join(row.salesdrive_ids),
                    " ".join(row.utp_refs),
                    " ".join(row.utp_codes),
                    row.name,
                    row.note,
                ]
            )
        return out.getvalue()

    def to_table(self, limit: int = 50) -> str:
        """A readable summary and, per status that needs a person, the first rows."""
        verb = "would be" if self.dry_run else "were"
        lines = [f"SKU matching ({'dry run: nothing written' if self.dry_run else 'applied'})", ""]
        lines += [f"  {status:<20} {count:>8}" for status, count in self.summary.items()]
        if self.replayed_orders:
            lines.append(f"  parked orders replayed: {', '.join(map(str, self.replayed_orders))}")
        for status, title in (
            ("linked", f"newly linked ({verb} written to UTP)"),
            ("exported", f"exported to SalesDrive ({verb} created)"),
            ("ambiguous", "ambiguous: fix the SKUs, then run again"),
            ("only_in_salesdrive", "only in SalesDrive"),
            ("failed", "failed"),
        ):
            rows = self.of(status)  # type: ignore[arg-type]
            if not rows:
                continue
            lines += ["", f"{title}:", f"  {'SKU':<26} {'SalesDrive':<16} {'UTP code':<14} note"]
            for row in rows[:limit]:
                lines.append(
                    f"  {row.sku[:26]:<26} {','.join(row.salesdrive_ids)[:16]:<16} "
                    f"{','.join(row.utp_codes)[:14]:<14} {row.note or row.name}"
                )
            if len(rows) > limit:
                lines.append(f"  … and {len(rows) - limit} more (see the CSV)")
        return "\n".join(lines)


@dataclass
class MatchRun:
    """One run of the matcher's Lambda: ``report`` is None when a resume run found no IDs left to write."""

    dry_run: bool
    resumed: bool
    report: MatchReport | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.report is None:
            return {"dry_run": self.dry_run, "resumed": self.resumed, "summary": {}}
        return {
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "summary": self.report.summary,
            "report": self.report.to_json(),
            "csv": self.report.to_csv(),
        }


def _utp_products(utp: UtpClient, page_size: int) -> list[Product]:
    return [p for p in utp.iter_products(page_size) if not p.deletion_mark and not p.is_folder]


def _known_ids(utp: UtpClient, settings: BridgeSettings) -> dict[str, str]:
    """UTP product ref → the "SalesDrive ID" its card holds (none when the property does not exist)."""
    try:
        return {
            ref: str(value).strip()
            for ref, value in utp.property_values(settings.product_id_property, PRODUCT_ENTITY).items()
        }
    except UtpNotFoundError:
        return {}


class _Matcher:
    """Classifies one normalised SKU at a time into report rows, exports and "SalesDrive ID" writes."""

    def __init__(
        self, report: MatchReport, known_ids: dict[str, str], store: DealStore, settings: BridgeSettings
    ) -> None:
        self.report = report
        self.known_ids = known_ids
        self.store = store
        self.settings = settings
        self.to_export: list[Product] = []
        self.id_writes: dict[str, str] = {}

    def match(self, key: str, sd_offers: list[YmlOffer], products: list[Product]) -> None:
        rows = self.report.rows
        row_ids = tuple(o.id for o in sd_offers)
        refs, codes = tuple(p.ref for p in products), tuple(p.code for p in products)
        display = (sd_offers[0].sku if sd_offers else products[0].sku) or ""
        if not key:
            if products:
                rows.append(MatchRow("only_in_utp", "", (), refs, codes, note="UTP products without SKU"))
            if sd_offers:
                rows.append(
                    MatchRow("only_in_salesdrive", "", row_ids, note="SalesDrive products without SKU")
                )
        elif len(sd_offers) > 1 or len(products) > 1:
            where = "SalesDrive" if len(sd_offers) > 1 else "UTP"
            if len(sd_offers) > 1 and len(products) > 1:
                where = "both sides"
            rows.append(
                MatchRow("ambiguous", display, row_ids, refs, codes, note=f"SKU duplicated in {where}")
            )
        elif not products:
            rows.append(MatchRow("only_in_salesdrive", display, row_ids, name=sd_offers[0].name or ""))
        elif not sd_offers:
            self._only_in_utp(products[0], display, refs, codes)
        else:
            self._pair(sd_offers[0], products[0], display, row_ids, refs, codes)

    def _only_in_utp(
        self, product: Product, display: str, refs: tuple[str, ...], codes: tuple[str, ...]
    ) -> None:
        known = self.known_ids.get(product.ref)
        if known:
            note = "has a SalesDrive ID that is not in the feed"
            self.report.rows.append(
                MatchRow("only_in_utp", display, (known,), refs, codes, product.description, note)
            )
        elif self.settings.transfer_products:
            self.to_export.append(product)
        else:
            note = "transfer_products is off"
            self.report.rows.append(
                MatchRow("only_in_utp", display, (), refs, codes, product.description, note)
            )

    def _pair(
        self,
        offer: YmlOffer,
        product: Product,
        display: str,
        row_ids: tuple[str, ...],
        refs: tuple[str, ...],
        codes: tuple[str, ...],
    ) -> None:
        existing = self.known_ids.get(product.ref)
        if existing and existing != offer.id:
            note = f"UTP product already has SalesDrive ID {existing!r}"
            self.report.rows.append(
                MatchRow("ambiguous", display, row_ids, refs, codes, product.description, note)
            )
            return
        # Already linked: by the property, or by the catalog push's rule (no property: id = UTP SKU).
        same = existing == offer.id or (not existing and offer.id == product.sku.strip())
        status: Status = "matched" if same else "linked"
        note = ""
        if existing != offer.id:  # linked, or matched by SKU without the property: the card gets it
            self.id_writes[product.ref] = offer.id
        if not self.report.dry_run:
            try:
                self._link(offer, product)
            except Exception as exc:  # one bad product must not stop the run: reported, retried next run
                status, note = "failed", f"{type(exc).__name__}: {exc}"
        self.report.rows.append(MatchRow(status, display, row_ids, refs, codes, product.description, note))

    def _link(self, offer: YmlOffer, product: Product) -> None:
        """The ID map learns the SKU as SalesDrive spells it, the SalesDrive id and the UTP SKU."""
        link = ProductLink(
            product_ref=product.ref,
            unit_ref=product.unit_key,
            salesdrive_id=offer.id,
            service=product.is_service,
        )
        for sku in dict.fromkeys(s for s in (offer.sku or "", offer.id, product.sku) if s.strip()):
            self.store.link_product(sku.strip(), link)


def match_skus(
    *,
    offers: Iterable[YmlOffer],
    utp: UtpClient,
    salesdrive: SalesDriveClient,
    store: DealStore,
    settings: BridgeSettings,
    dry_run: bool = False,
    replay: Callable[[], list[int]] | None = None,
    page_size: int = 1000,
    cursors: CursorStore | None = None,
    time_left: Callable[[], float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MatchReport:
    """Match, link, export and report; ``replay`` re-enqueues parked orders (not called in a dry run)."""
    normalise = settings.sku_normalisation.apply
    report = MatchReport(dry_run=dry_run)
    crm: dict[str, list[YmlOffer]] = defaultdict(list)
    for offer in offers:
        crm[normalise(offer.sku)].append(offer)
    erp: dict[str, list[Product]] = defaultdict(list)
    for product in _utp_products(utp, page_size):
        erp[normalise(product.sku)].append(product)
    matcher = _Matcher(report, _known_ids(utp, settings), store, settings)
    for key in sorted(set(crm) | set(erp)):
        matcher.match(key, crm.get(key, []), erp.get(key, []))

    _export(matcher.to_export, salesdrive=salesdrive, store=store, report=report, dry_run=dry_run)
    id_writes = matcher.id_writes
    id_writes.update({row.utp_refs[0]: row.sku for row in report.of("exported") if row.utp_refs})
    report.id_pending = len(id_writes)
    if not dry_run and (id_writes or cursors is not None):  # an empty run clears a pending cursor
        written = write_product_ids(
            id_writes, utp=utp, settings=settings, cursors=cursors, time_left=time_left, progress=progress
        )
        report.utp_writes += written.written
        report.id_left = written.left
    if replay is not None and not dry_run:
        report.replayed_orders = replay()
    return report


def _export(
    products: list[Product],
    *,
    salesdrive: SalesDriveClient,
    store: DealStore,
    report: MatchReport,
    dry_run: bool,
) -> None:
    for start in range(0, len(products), MAX_BATCH):
        batch = products[start : start + MAX_BATCH]
        ok, note = True, ""
        if not dry_run:
            updates = [ProductUpdate(id=p.sku.strip(), name=p.description, sku=p.sku.strip()) for p in batch]
            [result] = salesdrive.push_products(updates, PushMode.FULL)
            report.salesdrive_calls += 1
            ok, note = result.ok, result.message or ""
        for product in batch:
            sku = product.sku.strip()
            if ok and not dry_run:
                store.link_product(
                    sku,
                    ProductLink(
                        product_ref=product.ref,
                        unit_ref=product.unit_key,
                        salesdrive_id=sku,
                        service=product.is_service,
                    ),
                )
            report.rows.append(
                MatchRow(
                    "exported" if ok else "failed",
                    sku,
                    (sku,),
                    (product.ref,),
                    (product.code,),
                    product.description,
                    "" if ok else f"export failed: {note}",
                )
            )
