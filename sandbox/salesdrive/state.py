"""The account's state: plain JSON-able dicts in memory, written through to SQLite when a path is given."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from typing import Any

Doc = dict[str, Any]


def normalize_phone(raw: Any) -> str:
    """Digits only, Ukrainian numbers in their full 380… form, so a returning customer matches."""
    digits = re.sub(r"\D", "", str(raw or ""))
    if len(digits) == 10 and digits.startswith("0"):
        digits = "38" + digits
    elif len(digits) == 9:
        digits = "380" + digits
    return digits


class State:
    def __init__(self, db_path: str | None = None) -> None:
        self.orders: dict[int, Doc] = {}
        self.contacts: dict[int, Doc] = {}
        self.products: dict[str, Doc] = {}  # keyed by your product id (`parameter`)
        self.categories: dict[str, Doc] = {}
        self.payments: dict[int, Doc] = {}
        self.subscriptions: dict[int, Doc] = {}
        self.dicts: dict[str, Any] = {}  # statuses, methods, sites, stocks, users, custom fields, …
        self.seq: dict[str, int] = {}
        self.sku_index: dict[str, str] = {}
        self.phone_index: dict[str, int] = {}
        self.email_index: dict[str, int] = {}
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        if db_path:
            self._db = sqlite3.connect(db_path, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS docs (kind TEXT, key TEXT, body TEXT, PRIMARY KEY (kind, key))"
            )
            self._db.commit()
            self._load()

    @property
    def empty(self) -> bool:
        return not self.dicts

    # persistence ---------------------------------------------------------------------------------------
    def _load(self) -> None:
        assert self._db is not None
        # kind → (the dict it fills, how its key is typed)
        stores: dict[str, tuple[dict[Any, Any], Any]] = {
            "order": (self.orders, int),
            "contact": (self.contacts, int),
            "product": (self.products, str),
            "category": (self.categories, str),
            "payment": (self.payments, int),
            "subscription": (self.subscriptions, int),
            "dict": (self.dicts, str),
            "seq": (self.seq, str),
        }
        for kind, key, body in self._db.execute("SELECT kind, key, body FROM docs"):
            if kind in stores:
                store, key_type = stores[kind]
                store[key_type(key)] = json.loads(body)
        for product in self.products.values():
            self._index_product(product)
        for contact in self.contacts.values():
            self._index_contact(contact)

    def _write(self, kind: str, key: Any, doc: Any) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, body) VALUES (?, ?, ?)",
                (kind, str(key), json.dumps(doc, ensure_ascii=False)),
            )
            self._db.commit()

    def _remove(self, kind: str, key: Any) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, str(key)))
            self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ids -----------------------------------------------------------------------------------------------
    def next_id(self, kind: str, start: int = 1) -> int:
        value = max(self.seq.get(kind, start - 1) + 1, start)
        self.seq[kind] = value
        self._write("seq", kind, value)
        return value

    # writes --------------------------------------------------------------------------------------------
    def put_order(self, order: Doc) -> None:
        self.orders[order["id"]] = order
        self._write("order", order["id"], order)

    def put_contact(self, contact: Doc) -> None:
        self.contacts[contact["id"]] = contact
        self._index_contact(contact)
        self._write("contact", contact["id"], contact)

    def put_product(self, product: Doc) -> None:
        old = self.products.get(product["id"])
        if old and old.get("sku") and self.sku_index.get(old["sku"]) == old["id"]:
            del self.sku_index[old["sku"]]
        self.products[product["id"]] = product
        self._index_product(product)
        self._write("product", product["id"], product)

    def delete_product(self, product_id: str) -> bool:
        old = self.products.pop(product_id, None)
        if old is None:
            return False
        if old.get("sku") and self.sku_index.get(old["sku"]) == product_id:
            del self.sku_index[old["sku"]]
        self._remove("product", product_id)
        return True

    def put_category(self, category: Doc) -> None:
        self.categories[str(category["id"])] = category
        self._write("category", category["id"], category)

    def delete_category(self, category_id: str) -> bool:
        if self.categories.pop(category_id, None) is None:
            return False
        self._remove("category", category_id)
        return True

    def put_payment(self, payment: Doc) -> None:
        self.payments[payment["id"]] = payment
        self._write("payment", payment["id"], payment)

    def put_subscription(self, sub: Doc) -> None:
        self.subscriptions[sub["id"]] = sub
        self._write("subscription", sub["id"], sub)

    def delete_subscription(self, sub_id: int) -> bool:
        if self.subscriptions.pop(sub_id, None) is None:
            return False
        self._remove("subscription", sub_id)
        return True

    def put_dict(self, name: str, value: Any) -> None:
        self.dicts[name] = value
        self._write("dict", name, value)

    # indexes -------------------------------------------------------------------------------------------
    def _index_product(self, product: Doc) -> None:
        if product.get("sku"):
            self.sku_index.setdefault(str(product["sku"]), product["id"])

    def _index_contact(self, contact: Doc) -> None:
        for phone in contact.get("phone") or []:
            if normalize_phone(phone):
                self.phone_index[normalize_phone(phone)] = contact["id"]
        for email in contact.get("email") or []:
            if email:
                self.email_index[str(email).strip().lower()] = contact["id"]

    def find_product(self, ref: Any = None, sku: Any = None) -> Doc | None:
        if ref not in (None, "") and str(ref) in self.products:
            return self.products[str(ref)]
        if sku not in (None, "") and str(sku) in self.sku_index:
            return self.products.get(self.sku_index[str(sku)])
        return None

    def find_contact(self, phones: list[str], emails: list[str]) -> Doc | None:
        for phone in phones:
            cid = self.phone_index.get(normalize_phone(phone))
            if cid is not None and cid in self.contacts:
                return self.contacts[cid]
        for email in emails:
            cid = self.email_index.get(email.strip().lower())
            if cid is not None and cid in self.contacts:
                return self.contacts[cid]
        return None
