"""What changed in the catalog since the last successful push, per aspect (product data, price, stock).

Each product has three 8-byte fingerprints (data, price, stock) of what SalesDrive last *accepted*, so a
failed batch is simply pushed again. ``plan_push`` compares a ``CatalogSnapshot`` with them and picks the
push mode per product (``FULL``, ``PRICE_ONLY``, ``STOCK_ONLY``, zero/delete), so a stock change never
overwrites a name or a price. Products without a usable SalesDrive id are skipped and reported, never
guessed. Rules and blob format: docs/utp-catalog.md; why one S3 object: docs/decisions.md.
"""

from __future__ import annotations

import math
import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import blake2b

DIGEST = 8
ABSENT = b"\x00" * DIGEST  # aspect never pushed (or nothing to push)
_MAGIC = b"SDFP2"
_HEADER = struct.Struct("<5sIIII")  # magic, rows, bytes of refs, of ids, of the categories digest
_SEP = "\x1f"


def digest(data: bytes | memoryview) -> bytes:
    return blake2b(data, digest_size=DIGEST).digest()


def price_fingerprint(price: float) -> bytes:
    return ABSENT if math.isnan(price) else struct.pack("<d", price)


class Fingerprints:
    """UTP product ref → (data + price + stock fingerprints, SalesDrive id) as SalesDrive last accepted."""

    __slots__ = ("categories", "rows")

    def __init__(self) -> None:
        self.rows: dict[str, tuple[bytes, str]] = {}
        self.categories: bytes = ABSENT

    def __len__(self) -> int:
        return len(self.rows)

    def encode(self) -> bytes:
        refs = "\n".join(self.rows).encode()
        fps = b"".join(fp for fp, _ in self.rows.values())
        ids = "\n".join(sd_id for _, sd_id in self.rows.values()).encode()
        header = _HEADER.pack(_MAGIC, len(self.rows), len(refs), len(ids), len(self.categories))
        return header + zlib.compress(refs + fps + ids + self.categories, 1)

    @classmethod
    def decode(cls, blob: bytes | None) -> Fingerprints:
        out = cls()
        if not blob:
            return out
        magic, rows, refs_len, ids_len, cat_len = _HEADER.unpack_from(blob)
        if magic != _MAGIC:
            raise ValueError("not a catalog fingerprint blob")
        body = zlib.decompress(blob[_HEADER.size :])
        if rows:
            fps_end = refs_len + rows * 3 * DIGEST
            refs = body[:refs_len].decode().split("\n")
            step = 3 * DIGEST
            fps = [body[start : start + step] for start in range(refs_len, fps_end, step)]
            ids = body[fps_end : fps_end + ids_len].decode().split("\n")
            out.rows = dict(zip(refs, zip(fps, ids, strict=True), strict=True))
        else:
            fps_end = refs_len
        out.categories = body[fps_end + ids_len : fps_end + ids_len + cat_len] or ABSENT
        return out

    def apply(self, updates: Mapping[str, tuple[bytes, str] | None], categories: bytes | None = None) -> None:
        """Record what SalesDrive accepted (``None`` = the product is gone from SalesDrive)."""
        for ref, value in updates.items():
            if value is None:
                self.rows.pop(ref, None)
            else:
                self.rows[ref] = value
        if categories is not None:
            self.categories = categories


@dataclass(slots=True)
class ProductData:
    ref: str
    sku: str
    name: str
    folder_ref: str | None
    unit_ref: str | None
    deletion_mark: bool
    service: bool = False  # a service's price row may have no unit (Ценообразование)


@dataclass
class CatalogSnapshot:
    """What UTP holds now. ``prices[i]`` is NaN when the product has no price of the price type;
    ``stock[i * W + w]`` is the free stock of product ``i`` on ``stock_ids[w]`` (W = len(stock_ids))."""

    products: list[ProductData]
    folders: dict[str, str]  # folder ref → name
    salesdrive_ids: dict[str, str]  # product ref → "SalesDrive ID" property value
    stock_ids: list[str]
    prices: array[float]
    stock: array[float]
    index: dict[str, int] = field(default_factory=dict)
    utp_calls: int = 0

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {p.ref: i for i, p in enumerate(self.products)}

    @staticmethod
    def empty_prices(n: int) -> array[float]:
        return array("d", [math.nan]) * n

    @staticmethod
    def empty_stock(n: int, warehouses: int) -> array[float]:
        return array("d", bytes(8 * n * warehouses))

    def stock_row(self, i: int) -> dict[str, Decimal | int]:
        width = len(self.stock_ids)
        row: dict[str, Decimal | int] = {}
        for w, sid in enumerate(self.stock_ids):
            quantity = self.stock[i * width + w]
            row[sid] = int(quantity) if quantity.is_integer() else Decimal(repr(quantity))
        return row


@dataclass(frozen=True, slots=True)
class Skipped:
    ref: str
    sku: str
    reason: str


@dataclass
class PushPlan:
    full: list[int] = field(default_factory=list)
    price_only: list[int] = field(default_factory=list)
    stock_only: list[int] = field(default_factory=list)
    zero_stock: list[tuple[str, str]] = field(default_factory=list)  # (ref, SalesDrive id) gone/marked
    delete: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)  # product index → SalesDrive id, for every planned one
    fingerprints: dict[int, bytes] = field(default_factory=dict)  # product index → current 24 bytes
    full_aspects: dict[int, tuple[bool, bool]] = field(default_factory=dict)  # index → (price, stock) sent
    categories: bytes = ABSENT
    categories_changed: bool = False

    @property
    def changed(self) -> int:
        indices = {*self.full, *self.price_only, *self.stock_only}
        return len(indices) + len(self.zero_stock) + len(self.delete)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    transfer_products: bool = True
    transfer_prices: bool = True
    transfer_stock: bool = True
    deleted_product_policy: str = "zero_stock"
    # A targeted push sees only some products: whatever is absent from the snapshot is not gone from UTP,
    # and the folders it holds are not all of them (categories are left to the full push).
    partial: bool = False


def data_fingerprint(product: ProductData, folder_name: str) -> bytes:
    text = _SEP.join((product.sku, product.name, product.folder_ref or "", folder_name))
    return digest(text.encode())


def categories_fingerprint(folders: Mapping[str, str]) -> bytes:
    return digest("\n".join(f"{ref}{_SEP}{name}" for ref, name in sorted(folders.items())).encode())


def salesdrive_ids(snapshot: CatalogSnapshot) -> tuple[dict[int, str], list[Skipped]]:
    """SalesDrive id per live product: its "SalesDrive ID" when set, else its SKU; conflicts skipped."""
    live = [i for i, p in enumerate(snapshot.products) if not p.deletion_mark]
    sku_count = Counter(snapshot.products[i].sku.strip() for i in live)
    ids: dict[int, str] = {}
    skipped: list[Skipped] = []
    for i, product in enumerate(snapshot.products):
        own = snapshot.salesdrive_ids.get(product.ref, "").strip()
        sku = product.sku.strip()
        if own:
            ids[i] = own
        elif not sku:
            skipped.append(Skipped(product.ref, product.sku, "no SKU and no SalesDrive ID"))
        elif not product.deletion_mark and sku_count[sku] > 1:
            skipped.append(Skipped(product.ref, product.sku, "SKU shared by several UTP products"))
        else:
            ids[i] = sku
    claimed = Counter(sd for i, sd in ids.items() if not snapshot.products[i].deletion_mark)
    for i in [i for i, sd in ids.items() if claimed[sd] > 1 and not snapshot.products[i].deletion_mark]:
        product = snapshot.products[i]
        skipped.append(Skipped(product.ref, product.sku, f"SalesDrive id {ids.pop(i)!r} claimed twice"))
    return ids, skipped


def _skip_ids_held_elsewhere(
    snapshot: CatalogSnapshot, previous: Fingerprints, ids: dict[int, str], skipped: list[Skipped]
) -> None:
    """A slice cannot see a SalesDrive id claimed by a product outside it, but the fingerprints can: an
    id already pushed for another UTP product is not reused (the full push reports the conflict)."""
    wanted = {sd: i for i, sd in ids.items()}
    for ref, (_, sd_id) in previous.rows.items():
        i = wanted.get(sd_id)
        if i is not None and ref not in snapshot.index and i in ids:
            product = snapshot.products[i]
            skipped.append(Skipped(product.ref, product.sku, f"SalesDrive id {ids.pop(i)!r} claimed twice"))


def plan_push(snapshot: CatalogSnapshot, previous: Fingerprints, options: PlanOptions) -> PushPlan:
    # Long because: one tight pass over up to 200,000 products; a call per product costs the diff's CPU.
    plan = PushPlan()
    ids, plan.skipped = salesdrive_ids(snapshot)
    if options.partial:
        _skip_ids_held_elsewhere(snapshot, previous, ids, plan.skipped)
    width = len(snapshot.stock_ids)
    stock_view = memoryview(snapshot.stock).cast("B")
    zero_stock_fp = digest(bytes(8 * width))
    row_bytes = 8 * width
    if options.transfer_products and not options.partial:
        plan.categories = categories_fingerprint(snapshot.folders)
        plan.categories_changed = plan.categories != previous.categories
    rows = previous.rows
    linked = snapshot.salesdrive_ids
    seen: set[str] = set()
    for i, product in enumerate(snapshot.products):
        sd_id = ids.get(i)
        if sd_id is None:
            continue
        ref = product.ref
        seen.add(ref)
        before = rows.get(ref)
        if before is not None and before[1] != sd_id:
            before = None  # pushed under another id: a new product for SalesDrive
        if product.deletion_mark:
            if before is not None:  # else never created in SalesDrive: nothing to do
                _retire(plan, options, ref, sd_id, before[0], zero_stock_fp)
            continue
        data_fp = data_fingerprint(product, snapshot.folders.get(product.folder_ref or "", ""))
        price_fp = price_fingerprint(snapshot.prices[i])
        start = i * row_bytes
        stock_fp = digest(stock_view[start : start + row_bytes])
        if before is None:
            if options.transfer_products:
                plan.full.append(i)
            elif ref in linked:
                before = (ABSENT * 3, sd_id)  # exists in SalesDrive (linked): price/stock only
            else:
                continue
        if before is not None:
            old = before[0]
            data_changed = options.transfer_products and old[:8] != data_fp
            price_changed = options.transfer_prices and price_fp != ABSENT and old[8:16] != price_fp
            stock_changed = options.transfer_stock and old[16:] != stock_fp
            if data_changed:
                plan.full.append(i)
            else:
                if price_changed:
                    plan.price_only.append(i)
                if stock_changed:
                    plan.stock_only.append(i)
                if not (price_changed or stock_changed):
                    continue
        plan.ids[i] = sd_id
        plan.fingerprints[i] = data_fp + price_fp + stock_fp
        if plan.full and plan.full[-1] == i:
            plan.full_aspects[i] = (options.transfer_prices and price_fp != ABSENT, options.transfer_stock)
    for ref, (fp, sd_id) in [] if options.partial else rows.items():
        if ref not in seen and ref not in snapshot.index:  # physically deleted in UTP (or lost its id)
            _retire(plan, options, ref, sd_id, fp, zero_stock_fp)  # same as marked for deletion
    return plan


def _retire(
    plan: PushPlan, options: PlanOptions, ref: str, sd_id: str, fingerprint: bytes, zero_stock_fp: bytes
) -> None:
    """A product SalesDrive holds that UTP deleted: delete it there, or zero its stock (the policy)."""
    if options.deleted_product_policy == "delete":
        plan.delete.append((ref, sd_id))
    elif options.transfer_stock and fingerprint[16:] != zero_stock_fp:
        plan.zero_stock.append((ref, sd_id))


def committed(
    before: tuple[bytes, str] | None, current: bytes, sd_id: str, *, data: bool, price: bool, stock: bool
) -> tuple[bytes, str]:
    """The entry to store once SalesDrive accepted the given aspects of a product."""
    old = before[0] if before is not None and before[1] == sd_id else ABSENT * 3
    return (
        (current[:8] if data else old[:8])
        + (current[8:16] if price else old[8:16])
        + (current[16:] if stock else old[16:]),
        sd_id,
    )


def zero_stock_entry(before: tuple[bytes, str], width: int) -> tuple[bytes, str]:
    return (before[0][:16] + digest(bytes(8 * width)), before[1])


def chunks(items: Sequence[int] | Sequence[tuple[str, str]], size: int) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
