"""What the demo and the chaos suite share to drive a started sandbox stack over HTTP, as a person would:
place and move orders in SalesDrive, pay them, wait until a condition holds, and read what UTP holds for
an order by OData (never the bridge's own records)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

ORDER = "Document_ЗаказПокупателя"
INVOICE = "Document_РеализацияТоваровУслуг"
CLOSURE = "Document_ЗакрытиеЗаказовПокупателей"
RETURN = "Document_ВозвратТоваровОтПокупателя"
RECEIPT = "Document_ПриходныйКассовыйОрдер"
COUNTERPARTIES = "Catalog_Контрагенты"
PRODUCTS = "Catalog_Номенклатура"
PROPERTIES = "ChartOfCharacteristicTypes_СвойстваОбъектов"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
STATUS_PROPERTY = "SalesDrive: статус"  # the bridge's default order_status_property
MARKER = "НомерВходящегоДокументаЭлектронногоОбмена"
FOLLOW_UPS = (INVOICE, CLOSURE, RETURN)  # the documents an order's status calls for

# The SalesDrive emulator's seeded statuses: "Підтверджено" (in progress), "Продаж" (sale), "Відмова"
# (refusal).
CONFIRMED, COMPLETED, CANCELLED = 2, 5, 6


def expected_documents(statuses: list[int]) -> dict[str, int]:
    """What UTP must hold for an order that went through these statuses (each at most once)."""
    invoice = closure = ret = 0
    for status in statuses:
        if status == COMPLETED:
            invoice = 1
        elif status == CANCELLED:
            if invoice:
                ret = 1
            else:
                closure = 1
    return {INVOICE: invoice, CLOSURE: closure, RETURN: ret}


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


def wait_for(predicate: Callable[[], bool], timeout: float, pause: float = 0.25) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(pause)
    return bool(predicate())


class Utp:
    """Plain OData reads against UTP (spaces as %20: 1C refuses "+")."""

    def __init__(self, root: str, auth: tuple[str, str], *, timeout: float = 10) -> None:
        self.root = root.rstrip("/")
        self.http = httpx.Client(auth=auth, timeout=timeout)

    def _get(self, url: str, *, ok_404: bool = False) -> httpx.Response:
        answer = self.http.get(url)
        if not (answer.status_code == 404 and ok_404):
            answer.raise_for_status()
        return answer

    def rows(self, entity: str, flt: str | None = None, extra: str = "") -> list[dict[str, Any]]:
        url = f"{self.root}/{quote(entity)}?$format=json"
        if flt:
            url += f"&$filter={quote(flt, safe='')}"
        return list(self._get(url + extra).json()["value"])

    def count(self, entity: str) -> int:
        return int(self._get(f"{self.root}/{quote(entity)}/$count").text.strip())

    def orders_with_marker(self, order_id: int) -> list[dict[str, Any]]:
        rows = self.rows(ORDER, f"{MARKER} eq 'SD-{order_id}'")
        return [r for r in rows if not r.get("DeletionMark")]

    def documents_of(self, entity: str, order_ref: str) -> list[dict[str, Any]]:
        """An order's closures, cash receipts (by their payment lines) or other documents (``Сделка``)."""
        the_order = f"cast(guid'{order_ref}','{ORDER}')"
        if entity == CLOSURE:
            flt = f"Заказы/any(z: z/ЗаказПокупателя eq {the_order})"
        elif entity == RECEIPT:
            flt = f"РасшифровкаПлатежа/any(r: r/Сделка eq {the_order})"
        else:
            flt = f"Сделка eq {the_order}"
        return [r for r in self.rows(entity, flt) if not r.get("DeletionMark")]

    def property_key(self, name: str) -> str | None:
        rows = self.rows(PROPERTIES, f"Description eq '{name}'")
        return str(rows[0]["Ref_Key"]) if rows else None

    def _value_url(self, order_ref: str, prop: str) -> str:
        key = f"Объект=cast(guid'{order_ref}','{ORDER}'),Свойство_Key=guid'{prop}'"
        return f"{self.root}/{quote(PROPERTY_VALUES)}({quote(key, safe=chr(39) + '=,')})?$format=json"

    def order_property(self, order_ref: str, prop: str) -> str | None:
        answer = self._get(self._value_url(order_ref, prop), ok_404=True)
        if answer.status_code == 404:
            return None
        value = answer.json().get("Значение")
        return str(value) if value not in (None, "") else None

    def set_order_property(self, order_ref: str, prop: str, text: str) -> None:
        """What an accountant does in 1C: write the value; PATCH the record when it exists."""
        value = {"Значение": text, "Значение_Type": "Edm.String"}
        body = {"Объект": order_ref, "Объект_Type": f"StandardODATA.{ORDER}", "Свойство_Key": prop, **value}
        answer = self.http.post(f"{self.root}/{quote(PROPERTY_VALUES)}?$format=json", json=body)
        if answer.status_code == 400:  # the record exists (1C: duplicate key)
            answer = self.http.patch(self._value_url(order_ref, prop), json=value)
        answer.raise_for_status()

    def counterparty(self, ref: str) -> dict[str, Any] | None:
        rows = self.rows(COUNTERPARTIES, f"Ref_Key eq guid'{ref}'")
        return rows[0] if rows else None

    def skus(self, top: int) -> list[str]:
        """SKUs of the first ``top`` goods (not services, not folders)."""
        products = self.rows(PRODUCTS, "Услуга eq false and IsFolder eq false", f"&$top={top}")
        skus = [str(p["Артикул"]) for p in products if p.get("Артикул")]
        if not skus:
            raise RuntimeError("the UTP emulator has no goods with a SKU")
        return skus

    def close(self) -> None:
        self.http.close()


@dataclass
class UtpSide:
    """What UTP holds for one SalesDrive order: its sales orders and the documents that follow them."""

    orders: int = 0
    ref: str | None = None
    number: str | None = None
    posted: bool = False
    counterparty_ref: str | None = None
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def read_utp_side(utp: Utp, order_id: int, entities: tuple[str, ...] = FOLLOW_UPS) -> UtpSide:
    orders = utp.orders_with_marker(order_id)
    side = UtpSide(orders=len(orders))
    if not orders:
        return side
    order = orders[0]
    side.ref = str(order["Ref_Key"])
    side.number = str(order.get("Number") or "").strip() or None
    side.posted = bool(order.get("Posted"))
    side.counterparty_ref = order.get("Контрагент_Key")
    side.documents = {entity: utp.documents_of(entity, side.ref) for entity in entities}
    return side


def receipts_sum(receipts: list[dict[str, Any]]) -> str:
    return money(sum((Decimal(str(r.get("СуммаДокумента") or 0)) for r in receipts), Decimal(0)))


class SalesDrive:
    """SalesDrive's public API where a person would act, and the emulator's control endpoints."""

    payment_description = "demo"

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(headers={"X-Api-Key": api_key}, timeout=10)

    def configure(self, **changes: Any) -> dict[str, Any]:
        answer = self.http.post(f"{self.url}/__emulator__/config", json=changes)
        answer.raise_for_status()
        return dict(answer.json())

    def place(self, body: dict[str, Any]) -> int:
        answer = self.http.post(f"{self.url}/handler/", json={"getResultData": 1, **body})
        answer.raise_for_status()
        return int(answer.json()["data"]["orderId"])

    def set_status(self, order_id: int, status_id: int) -> None:
        answer = self.http.post(
            f"{self.url}/api/order/update/", json={"id": order_id, "data": {"statusId": status_id}}
        )
        answer.raise_for_status()
        if not answer.json().get("success"):
            raise RuntimeError(f"SalesDrive refused status {status_id} for order {order_id}: {answer.text}")

    def statuses(self) -> dict[int, str]:
        answer = self.http.get(f"{self.url}/api/statuses/")
        answer.raise_for_status()
        return {int(s["id"]): str(s["name"]) for s in answer.json()["data"]}

    def order(self, order_id: int) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/__emulator__/orders/{order_id}")
        answer.raise_for_status()
        return dict(answer.json())

    def status_of(self, order_id: int) -> int | None:
        order = self.order(order_id)
        return int(order["statusId"]) if order.get("statusId") is not None else None

    def pay(self, order_id: int, amount: str) -> int:
        answer = self.http.post(
            f"{self.url}/api/payment/",
            json={
                "sum": amount,
                "orderId": order_id,
                "description": self.payment_description,
                "counterpartyName": "Покупець",
            },
        )
        answer.raise_for_status()
        return int(answer.json()["data"]["paymentId"])

    def webhook_log(self) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.url}/__emulator__/webhook-log")
        answer.raise_for_status()
        return list(answer.json()["log"])

    def close(self) -> None:
        self.http.close()
