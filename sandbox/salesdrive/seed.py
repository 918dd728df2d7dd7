"""The seeded account `sparesshop`: an online store of spare parts for household appliances."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .accounting_field import ACCOUNTING_STATE_FIELD
from .catalog import stock_total
from .clock import fmt
from .dictionaries import statuses
from .money import totals
from .orders import create_order
from .payments import store_payment
from .state import Doc, State

if TYPE_CHECKING:
    from .app import SalesDriveEmulator

# Default statuses of order base 1, named as SalesDrive names them; `type` (docs/salesdrive-api.md,
# "Orders"): 1 in progress, 2 sale, 3 refusal/return, 4 deleted. Real answers of the statuses endpoint:
# tests/fixtures/salesdrive/dictionaries_driz.json.
STATUSES = [
    {"id": 1, "name": "Новий", "type": 1, "formId": 1},
    {"id": 2, "name": "Підтверджено", "type": 1, "formId": 1},
    {"id": 3, "name": "На відправку", "type": 1, "formId": 1},
    {"id": 4, "name": "Відправлено", "type": 1, "formId": 1},
    {"id": 5, "name": "Продаж", "type": 2, "formId": 1},
    {"id": 6, "name": "Відмова", "type": 3, "formId": 1},
    {"id": 7, "name": "Повернення", "type": 3, "formId": 1},
    {"id": 8, "name": "Видалений", "type": 4, "formId": 1},
]
PAYMENT_METHODS = [
    {"id": 1, "name": "Готівка", "parameter": "cash"},
    {"id": 2, "name": "Оплата карткою онлайн", "parameter": "liqpay"},
    {"id": 3, "name": "Безготівковий розрахунок", "parameter": "bank_transfer"},
    {"id": 4, "name": "Накладений платіж", "parameter": "cod"},
    {"id": 6, "name": "Monobank", "parameter": "monobank"},
]
DELIVERY_METHODS = [
    {"id": 1, "name": "Самовивіз", "parameter": "pickup"},
    {"id": 2, "name": "Нова Пошта", "parameter": "novaposhta"},
    {"id": 3, "name": "Укрпошта", "parameter": "ukrposhta"},
    {"id": 4, "name": "Meest", "parameter": "meest"},
    {"id": 5, "name": "Rozetka Delivery", "parameter": "rozetka_delivery"},
]
SITES = [
    {"value": 1, "text": "sparesshop.com.ua"},
    {"value": 2, "text": "prom.ua"},
    {"value": 3, "text": "rozetka.com.ua"},
]
STOCKS = [
    {"value": 1, "text": "Основний склад (Київ)", "default": True},
    {"value": 2, "text": "Склад Львів", "default": False},
    {"value": 3, "text": "Склад Одеса", "default": False},
]
USERS = [
    {"value": 1, "text": "Адміністратор"},
    {"value": 2, "text": "Ірина"},
    {"value": 3, "text": "Олег"},
]
REJECTION_REASONS = [
    {"value": 1, "text": "Передумав"},
    {"value": 2, "text": "Не виходить на зв'язок"},
    {"value": 3, "text": "Немає в наявності"},
]
ORGANIZATIONS = [
    {
        "id": 1,
        "title": "ФОП Запчастинський О. П.",
        "egrpou": "3123456789",
        "accounts": [
            {"id": 1, "title": "Основний рахунок", "accountNumber": "UA213223130000026007233566001"},
        ],
    }
]
# Custom ("individual") order fields; they travel as extra top-level keys named by their code.
CUSTOM_FIELDS = [
    {
        "code": "dilovod",
        "label": "Вивантаження в облік",
        "type": "select",
        "options": [{"value": 23, "text": "Вивантажено"}, {"value": 24, "text": "Помилка"}],
    },
    {
        "code": "tipProdazu1",
        "label": "Тип продажу",
        "type": "multiselect",
        "options": [{"value": 31, "text": "Роздріб"}, {"value": 32, "text": "Опт"}],
    },
    {"code": "pricinaZnizki", "label": "Причина знижки", "type": "text", "options": []},
]
CATEGORIES: list[dict[str, Any]] = [
    {"id": "1", "name": "Запчастини для пральних машин", "parentId": None},
    {"id": "2", "name": "Запчастини для холодильників", "parentId": None},
    {"id": "3", "name": "Ремені приводні", "parentId": "1"},
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "1001",
        "sku": "WM-BELT-1270J5",
        "name": "Ремінь приводний 1270 J5",
        "costPerItem": "350",
        "expenses": "210",
        "category": "3",
        "barcode": "4820000010017",
        "stock": {"1": "12", "2": "4", "3": "0"},
    },
    {
        "id": "1002",
        "sku": "WM-PUMP-ASKOLL",
        "name": "Насос зливний Askoll 30W",
        "costPerItem": "780",
        "expenses": "450",
        "category": "1",
        "barcode": "4820000010024",
        "stock": {"1": "7", "2": "0", "3": "2"},
    },
    {
        "id": "1003",
        "sku": "WM-HEAT-1950",
        "name": "ТЕН 1950 Вт для пральної машини",
        "costPerItem": "520",
        "expenses": "300",
        "category": "1",
        "barcode": "4820000010031",
        "stock": {"1": "3", "2": "1", "3": "1"},
    },
    {
        "id": "2001",
        "sku": "RF-THERM-K59",
        "name": "Термостат K59 для холодильника",
        "costPerItem": "640",
        "expenses": "390",
        "category": "2",
        "barcode": "4820000020016",
        "stock": {"1": "9", "2": "2", "3": "0"},
    },
    {
        "id": "2002",
        "sku": "RF-SEAL-570",
        "name": "Ущільнювач дверей 570×1150",
        "costPerItem": "410.50",
        "expenses": "230",
        "category": "2",
        "barcode": "4820000020023",
        "stock": {"1": "0", "2": "0", "3": "5"},
    },
]
# Existing orders (created through the same path as `/handler/`, without webhooks): customer, lines,
# final status, days before the clock's "now" at seeding.
ORDERS: list[dict[str, Any]] = [
    {
        "body": {
            "fName": "Олена",
            "lName": "Коваленко",
            "phone": "+380671112233",
            "email": "olena@example.com",
            "products": [{"id": "1001", "amount": 2, "discount": "10%"}],
            "payment_method": "id_4",
            "shipping_method": "novaposhta",
            "sajt": "sparesshop.com.ua",
            "externalId": "WEB-88001",
            "utmSource": "google",
            "utmMedium": "cpc",
        },
        "status": 5,
        "days_ago": 3,
        "paid": True,
    },
    {
        "body": {
            "fName": "Петро",
            "lName": "Шевчук",
            "phone": "0501234567",
            "products": [{"id": "2001", "amount": 1}, {"sku": "RF-SEAL-570", "amount": 1}],
            "payment_method": "Готівка",
            "shipping_method": "id_1",
            "sajt": "prom.ua",
            "externalId": "PROM-5501",
        },
        "status": 2,
        "days_ago": 1,
        "paid": False,
    },
    {
        "body": {
            "fName": "Олена",
            "lName": "Коваленко",
            "phone": "380671112233",
            "products": [{"id": "1003", "amount": 1}],
            "payment_method": "cod",
            "shipping_method": "id_2",
        },
        "status": 8,
        "days_ago": 2,
        "paid": False,
    },
]


def seed_dictionaries(state: State) -> None:
    state.put_dict("statuses", STATUSES)
    state.put_dict("payment_methods", PAYMENT_METHODS)
    state.put_dict("delivery_methods", DELIVERY_METHODS)
    state.put_dict("sites", SITES)
    state.put_dict("stocks", STOCKS)
    state.put_dict("users", USERS)
    state.put_dict("rejection_reasons", REJECTION_REASONS)
    state.put_dict("organizations", ORGANIZATIONS)
    state.put_dict("custom_fields", [*CUSTOM_FIELDS, ACCOUNTING_STATE_FIELD])
    for category in CATEGORIES:
        state.put_category(dict(category))


def product_specs(count: int) -> list[dict[str, Any]]:
    """The first five are the hand-written ones; more are generated deterministically."""
    specs: list[dict[str, Any]] = [dict(p) for p in PRODUCTS[:count]]
    for n in range(len(specs), count):
        specs.append(
            {
                "id": str(5000 + n),
                "sku": f"GEN-{n:06d}",
                "name": f"Запчастина №{n}",
                "costPerItem": str(100 + n % 900),
                "expenses": str(60 + n % 500),
                "category": str(1 + n % 3),
                "barcode": f"48200{n:08d}",
                "stock": {"1": str(n % 17), "2": str(n % 5), "3": str(n % 3)},
            }
        )
    return specs


def seed_account(emu: SalesDriveEmulator) -> None:
    """The products, then (when the five hand-written products exist) the orders and their payment."""
    seed_products(emu.state, emu.config.seed_products)
    if emu.config.seed_products >= 5:  # the seeded orders use the five hand-written products
        seed_orders(emu)


def seed_products(state: State, count: int) -> None:
    for spec in product_specs(count):
        product = {
            "id": spec["id"],
            "productId": state.next_id("product", start=5501),
            "name": spec["name"],
            "sku": spec["sku"],
            "barcode": spec["barcode"],
            "costPerItem": spec["costPerItem"],
            "expenses": spec["expenses"],
            "currency": "UAH",
            "category": spec["category"],
            "stockBalanceByStock": dict(spec["stock"]),
        }
        product["stockBalance"] = stock_total(product)
        state.put_product(product)


def seed_orders(emu: SalesDriveEmulator) -> None:
    """ORDERS, oldest first, through the `/handler/` path without webhooks; then status and payment."""
    now = emu.clock.now()
    for spec in sorted(ORDERS, key=lambda o: -o["days_ago"]):
        created = now - timedelta(days=spec["days_ago"])
        order = create_order(emu, spec["body"], now=created, fire=False)
        if spec["status"] != order["statusId"]:
            _move_to_status(emu.state, order, spec["status"], created + timedelta(hours=2))
        if spec["paid"]:
            _pay_in_full(emu, order, created + timedelta(hours=1))


def _move_to_status(state: State, order: Doc, status: int, changed: datetime) -> None:
    order["statusId"] = status
    order["version"] += 1
    order["updateAt"] = fmt(changed)
    order["statusHistory"].append([status, fmt(changed)])
    if statuses(state, 1)[status]["type"] == 2:
        order["paymentDate"] = changed.strftime("%Y-%m-%d")
    state.put_order(order)


def _pay_in_full(emu: SalesDriveEmulator, order: Doc, pay_at: datetime) -> None:
    """A payment recorded in the UI at `pay_at`, allocated to the order without bumping it."""
    st = emu.state
    payment = store_payment(
        emu,
        total=totals(order)["paymentAmount"],
        parts=[],
        kind="incoming",
        date=fmt(pay_at),
        description=f"Оплата замовлення {order['id']}",
        unique_id=None,
    )
    payment["paymentBreakdown"] = [
        {"sum": payment["sum"], "invoice": None, "order": {"id": order["id"], "formId": 1}}
    ]
    payment["createdAt"] = payment["updatedAt"] = fmt(pay_at)
    st.put_payment(payment)
    paid = st.orders[order["id"]]
    paid["payedAmount"] = payment["sum"]
    st.put_order(paid)
