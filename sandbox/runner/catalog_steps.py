"""The demo's catalog steps: what a shop does to its catalog in UTP, each change seen arriving in
SalesDrive (both systems read directly): SKU matching, a full push, then a price set, a goods receipt, a
new product and a reservation by an order, which travel through the catalog change watcher
(``CatalogWatchFunction`` polls UTP's recent documents) and the targeted push; each step records how many
seconds its change took to show in SalesDrive.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console
from rich.text import Text

from sandbox.runner.driver import PRODUCTS, PROPERTIES, PROPERTY_VALUES
from sandbox.utp.catalog_bodies import price_row, receipt_body, unit_body

PRICE_SET = "Document_УстановкаЦенНоменклатуры"
GOODS_RECEIPT = "Document_ПоступлениеТоваровУслуг"
ID_PROPERTY = "SalesDrive ID"  # the bridge's default product_id_property
MAIN_STOCK, LVIV_STOCK = (
    "1",
    "3",
)  # SalesDrive stocks of "Основний склад" and "Склад Львів" (sandbox settings)


@dataclass
class CatalogStep:
    key: str
    in_utp: str
    expected_in_salesdrive: str
    seen_in_salesdrive: str = "—"
    seconds: float | None = None
    ok: bool = False


class CatalogUtp:
    """OData writes and reads of the steps (spaces as %20: 1C refuses "+")."""

    def __init__(self, root: str, auth: tuple[str, str]) -> None:
        self.root = root.rstrip("/")
        self.http = httpx.Client(auth=auth, timeout=60)  # a posting on a 200,000-product base takes seconds
        origin = self.root.split("/utp/odata", 1)[0]
        self.seed: dict[str, Any] = self.http.get(f"{origin}/__emulator__/seed").json()

    def rows(self, entity: str, flt: str, extra: str = "") -> list[dict[str, Any]]:
        answer = self.http.get(
            f"{self.root}/{quote(entity)}?$format=json&$filter={quote(flt, safe='')}{extra}"
        )
        answer.raise_for_status()
        return list(answer.json()["value"])

    def create(self, entity: str, body: dict[str, Any], *, post: bool) -> str:
        answer = self.http.post(f"{self.root}/{quote(entity)}?$format=json", json=body)
        answer.raise_for_status()
        ref = str(answer.json()["Ref_Key"])
        if post:
            self.http.post(f"{self.root}/{quote(entity)}(guid'{ref}')/Post?$format=json").raise_for_status()
        return ref

    def patch(self, entity: str, ref: str, body: dict[str, Any]) -> None:
        self.http.patch(
            f"{self.root}/{quote(entity)}(guid'{ref}')?$format=json", json=body
        ).raise_for_status()

    def free_stock(self, warehouse: str, product: str) -> Decimal:
        total = Decimal(0)
        for register, sign in (("ТоварыНаСкладах", 1), ("ТоварыВРезервеНаСкладах", -1)):
            cond = quote(f"Склад_Key eq guid'{warehouse}' and Номенклатура_Key eq guid'{product}'", safe="")
            entity = quote("AccumulationRegister_" + register)
            answer = self.http.get(f"{self.root}/{entity}/Balance?Condition={cond}&$format=json")
            answer.raise_for_status()
            total += sign * sum(
                (Decimal(str(r["КоличествоBalance"])) for r in answer.json()["value"]), Decimal(0)
            )
        return max(total, Decimal(0))

    def id_property(self, product: str) -> str | None:
        props = self.rows(PROPERTIES, f"Description eq '{ID_PROPERTY}'")
        if not props:
            return None
        flt = f"Свойство_Key eq guid'{props[0]['Ref_Key']}' and Объект eq cast(guid'{product}','{PRODUCTS}')"
        values = self.rows(PROPERTY_VALUES, flt)
        return str(values[0]["Значение"]) if values else None

    def warehouse(self, name: str) -> str:
        return next(str(w["ref"]) for w in self.seed["warehouses"] if w["description"] == name)

    def close(self) -> None:
        self.http.close()


class _SalesDrive:
    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(headers={"X-Api-Key": api_key}, timeout=15)

    def product(self, product_id: str) -> dict[str, Any] | None:
        answer = self.http.get(f"{self.url}/__emulator__/products/{quote(product_id, safe='')}")
        return dict(answer.json()) if answer.status_code == 200 else None

    def create_products(self, products: list[dict[str, Any]]) -> None:
        answer = self.http.post(
            f"{self.url}/product-handler/", json={"action": "update", "product": products}
        )
        answer.raise_for_status()

    def place(self, body: dict[str, Any]) -> int:
        answer = self.http.post(f"{self.url}/handler/", json={"getResultData": 1, **body})
        answer.raise_for_status()
        return int(answer.json()["data"]["orderId"])

    def close(self) -> None:
        self.http.close()


def _until(check: Any, timeout: float) -> float | None:
    """Seconds until ``check()`` is truthy (polled every 50 ms), or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return round(time.monotonic() - started, 2)
        time.sleep(0.05)
    return None


def _awaited_step(
    run: _Steps, step: tuple[str, str, str], read: Callable[[], Any], want: Any, shown: str
) -> CatalogStep:
    """The step (name, action, expected) once SalesDrive shows ``want`` through ``read`` (or the run's
    timeout passed); what it shows then is reported after ``shown``."""
    seconds = _until(lambda: read() == want, run.timeout_s)
    name, action, expected = step
    return CatalogStep(name, action, expected, f"{shown}{read()}", seconds, seconds is not None)


def _stock(product: dict[str, Any] | None, stock_id: str) -> Decimal | None:
    if not product or stock_id not in (product.get("stockBalanceByStock") or {}):
        return None
    return Decimal(str(product["stockBalanceByStock"][stock_id]))


def _price(product: dict[str, Any] | None) -> Decimal | None:
    value = (product or {}).get("costPerItem")
    return None if value in (None, "") else Decimal(str(value))


@dataclass
class _Goods:
    """The products the steps use: fresh ones (no order of the day touched them) and two warehouses."""

    linked_exact: dict[str, Any]
    linked_spelled: dict[str, Any]
    priced: dict[str, Any]
    received: dict[str, Any]
    reserved: dict[str, Any]
    main: str
    lviv: str


@dataclass
class _Steps:
    stack: Any
    utp: CatalogUtp
    crm: _SalesDrive
    console: Console
    timeout_s: float
    goods: _Goods
    summary: dict[str, Any]


def run_catalog_steps(stack: Any, console: Console, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """Play the catalog steps against a started sandbox stack; ``{"ok": bool, "steps": [...], ...}``."""
    endpoints = stack.endpoints
    utp = CatalogUtp(endpoints["utp_odata_url"], (endpoints["utp_user"], endpoints["utp_password"]))
    crm = _SalesDrive(endpoints["salesdrive_url"], endpoints["salesdrive_api_key"])
    try:
        run = _Steps(stack, utp, crm, console, timeout_s, _pick_goods(utp, crm), {})
        _start_the_watcher(stack)
        steps = [
            step(run)
            for step in (_sku_matching, _full_push, _price_set, _goods_receipt, _new_product, _reservation)
        ]
        print_steps(console, steps)
        return {
            "ok": all(s.ok for s in steps),
            "sku_matching": run.summary,
            "steps": [asdict(s) for s in steps],
            "problems": [
                f"catalog step {s.key!r}: expected {s.expected_in_salesdrive}, saw {s.seen_in_salesdrive}"
                for s in steps
                if not s.ok
            ],
        }
    finally:
        utp.close()
        crm.close()


def _pick_goods(utp: CatalogUtp, crm: _SalesDrive) -> _Goods:
    goods: list[dict[str, Any]] = [
        {"ref": str(p["Ref_Key"]), "sku": str(p["Артикул"]), "unit": p.get("ЕдиницаХраненияОстатков_Key")}
        for p in utp.rows(
            PRODUCTS, "Услуга eq false and IsFolder eq false and DeletionMark eq false", "&$top=80"
        )
        if str(p.get("Артикул") or "").strip()
    ]
    # Products no order of the day touched, so each step's figure is its own.
    fresh = [p for p in goods if crm.product(p["sku"]) is None]
    if len(fresh) < 6:
        raise RuntimeError("the UTP emulator's seed has too few goods for the catalog steps")
    main, lviv = utp.warehouse("Основний склад"), utp.warehouse("Склад Львів")
    # The reservation needs goods on the shelf, or the free stock has nothing to lose.
    reserved = next((p for p in fresh[4:] if utp.free_stock(main, p["ref"]) >= 3), None)
    if reserved is None:
        raise RuntimeError("the UTP emulator's seed has no product with free stock on Основний склад")
    exact, spelled, priced, received = fresh[:4]
    return _Goods(exact, spelled, priced, received, reserved, main, lviv)


def _start_the_watcher(stack: Any) -> None:
    """The watcher runs every minute; start its minute now rather than wait for the schedule's next tick."""
    scheduler = getattr(stack, "scheduler", None)
    if scheduler is not None and "CatalogWatchFunction" in {k.split(".")[0] for k in scheduler.schedules}:
        scheduler.fire_in_background("CatalogWatchFunction")


def _sku_matching(run: _Steps) -> CatalogStep:
    """A manager's products from before the bridge, one SKU spelled differently."""
    run.console.print("[bold]Catalog 1/6[/] SKU matching, first run")
    exact, spelled = run.goods.linked_exact, run.goods.linked_spelled
    run.crm.create_products(
        [
            {"id": "M-7001", "name": "Товар менеджера 1", "sku": exact["sku"]},
            {"id": "M-7002", "name": "Товар менеджера 2", "sku": f" {spelled['sku'].lower()} "},
        ]
    )
    matching = run.stack.invoke("ProductMatcherFunction", {"dry_run": False})
    ok_result = matching.ok and isinstance(matching.result, dict)
    run.summary = matching.result.get("summary", {}) if ok_result else {}
    ids = (run.utp.id_property(exact["ref"]), run.utp.id_property(spelled["ref"]))
    return CatalogStep(
        "SKU matching",
        f"{exact['sku']!r} and {spelled['sku']!r} exist in UTP",
        "both linked: SalesDrive IDs M-7001, M-7002 written into UTP",
        f"UTP SalesDrive IDs {ids[0]}, {ids[1]}; report {run.summary}",
        ok=ids == ("M-7001", "M-7002") and run.summary.get("exported", 0) > 0,
    )


def _full_push(run: _Steps) -> CatalogStep:
    """The first full push: linked products get UTP's prices and stock under their SalesDrive id."""
    run.console.print("[bold]Catalog 2/6[/] full catalog push")
    push = run.stack.invoke("CatalogPushFunction", {"force": True})
    pushed = push.result if push.ok and isinstance(push.result, dict) else {}
    linked = run.crm.product("M-7001")
    return CatalogStep(
        "full push",
        f"{pushed.get('products', '?')} products in UTP",
        "every product's price and free stock; M-7001 with UTP's price",
        f"{pushed.get('changed', '?')} sent in {pushed.get('salesdrive_calls', '?')} calls; "
        f"M-7001 price {_price(linked)}",
        ok=bool(pushed.get("complete")) and _price(linked) is not None,
    )


def _price_set(run: _Steps) -> CatalogStep:
    run.console.print("[bold]Catalog 3/6[/] a price set posted in UTP")
    priced, seed = run.goods.priced, run.utp.seed
    new_price = Decimal("1777.50")
    run.utp.create(
        PRICE_SET,
        {
            "Date": "2030-01-01T00:00:00",
            "Товары": [price_row(seed, priced["ref"], priced["unit"], float(new_price))],
        },
        post=True,
    )
    return _awaited_step(
        run,
        ("price set", f"{priced['sku']}: price {new_price}", f"price {new_price}"),
        lambda: _price(run.crm.product(priced["sku"])),
        new_price,
        "price ",
    )


def _goods_receipt(run: _Steps) -> CatalogStep:
    """A goods receipt on the Lviv warehouse."""
    run.console.print("[bold]Catalog 4/6[/] a goods receipt posted in UTP")
    received, lviv = run.goods.received, run.goods.lviv
    run.utp.create(
        GOODS_RECEIPT,
        receipt_body(run.utp.seed, lviv, [(received["ref"], received["unit"], 12, 1200)]),
        post=True,
    )
    expected_lviv = run.utp.free_stock(lviv, received["ref"])
    return _awaited_step(
        run,
        (
            "goods receipt",
            f"{received['sku']}: +12 on Склад Львів (free stock now {expected_lviv})",
            f"stock {LVIV_STOCK} (Львів) = {expected_lviv}",
        ),
        lambda: _stock(run.crm.product(received["sku"]), LVIV_STOCK),
        expected_lviv,
        f"stock {LVIV_STOCK} = ",
    )


def _new_product(run: _Steps) -> CatalogStep:
    """A new product in UTP, with a price."""
    run.console.print("[bold]Catalog 5/6[/] a new product created in UTP")
    utp, seed = run.utp, run.utp.seed
    sku = f"NEW-{int(time.time()) % 100000:05d}"
    new_ref = utp.create(
        PRODUCTS,
        {
            "Description": f"Ремінь привідний {sku}",
            "Артикул": sku,
            "IsFolder": False,
            "Parent_Key": seed["product_folders"][0],
        },
        post=False,
    )
    # A product written through OData has no unit until one is written (a price row needs it).
    new_unit = utp.create("Catalog_ЕдиницыИзмерения", unit_body(seed, new_ref), post=False)
    utp.patch(PRODUCTS, new_ref, {"ЕдиницаХраненияОстатков_Key": new_unit})
    utp.create(
        PRICE_SET,
        {"Date": "2030-01-01T00:00:00", "Товары": [price_row(seed, new_ref, new_unit, 640.0)]},
        post=True,
    )
    seconds = _until(lambda: _price(run.crm.product(sku)) == Decimal(640), run.timeout_s)
    created = run.crm.product(sku)
    return CatalogStep(
        "new product",
        f"{sku} created, price 640",
        f"product {sku} with price 640",
        f"{(created or {}).get('name', 'absent')}, price {_price(created)}",
        seconds,
        seconds is not None,
    )


def _reservation(run: _Steps) -> CatalogStep:
    """An order placed in SalesDrive becomes a posted UTP order that reserves the goods."""
    run.console.print("[bold]Catalog 6/6[/] a reservation by an order")
    reserved = run.goods.reserved
    before = run.utp.free_stock(run.goods.main, reserved["ref"])
    order_id = run.crm.place(
        {
            # The returning customer of the seed: the step adds no counterparty to the day's count.
            "fName": "Гарант",
            "lName": "Сервіс",
            "phone": "+380671112233",
            "products": [{"id": reserved["sku"], "sku": reserved["sku"], "costPerItem": 300, "amount": 2}],
        }
    )
    expected_main = before - 2
    return _awaited_step(
        run,
        (
            "reservation",
            f"SalesDrive order {order_id}: 2 × {reserved['sku']} → posted UTP order reserves them",
            f"stock {MAIN_STOCK} (Основний) {before} → {expected_main}",
        ),
        lambda: _stock(run.crm.product(reserved["sku"]), MAIN_STOCK),
        expected_main,
        f"stock {MAIN_STOCK} = ",
    )


def print_steps(console: Console, steps: list[CatalogStep]) -> None:
    """One block per step (what was done in UTP, what SalesDrive should and did show), 120 columns."""
    console.print(Text("Catalog: UTP → SalesDrive", style="bold underline"))
    for s in steps:
        took = "" if s.seconds is None else f", seen after {s.seconds:.2f} s"
        console.print(
            Text(f"{s.key}: {'ok' if s.ok else 'not seen'}{took}", style="green" if s.ok else "red")
        )
        for label, text in (
            ("in UTP", s.in_utp),
            ("expected in SalesDrive", s.expected_in_salesdrive),
            ("seen in SalesDrive", s.seen_in_salesdrive),
        ):
            for line in textwrap.wrap(
                f"{label}: {text}", 120, initial_indent="    ", subsequent_indent="      "
            ):
                console.print(Text(line), soft_wrap=True)
