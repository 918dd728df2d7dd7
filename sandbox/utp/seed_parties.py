"""Seeded counterparties: four customers (one per settlement mode, one settled by invoices), the
supplier, their contracts and their contact information (phones, e-mails)."""

from __future__ import annotations

from typing import Any

from .model import NS
from .seed_common import SeedContext

# (name, ЮрФизЛицо, ЕДРПОУ or ИНН, settlement mode, phones, e-mails)
CUSTOMERS: list[tuple[str, str, str, str, list[str], list[str]]] = [
    (
        "ТОВ Сервіс-Центр Гарант",
        "ЮрЛицо",
        "41234567",
        "ПоДоговоруВЦелом",
        ["067 111-22-33"],
        ["service@garant.ua"],
    ),
    (
        "Іваненко Петро Миколайович",
        "ФизЛицо",
        "",
        "ПоДоговоруВЦелом",
        ["+380501234567"],
        ["ivanenko.p@gmail.com"],
    ),
    ("ФОП Коваль Олена", "ФизЛицо", "3012345678", "ПоЗаказам", ["(044) 123-45-67", "0931112233"], []),
    # a wholesale customer settled by invoices: a sales order cannot be entered on this contract
    (
        "ТОВ Побутремонт",
        "ЮрЛицо",
        "42345678",
        "ПоСчетам",
        ["+38 (057) 700-10-20"],
        ["buh@pobutremont.ua"],
    ),
]
# UTP 1.2: Catalogs/ДоговорыКонтрагентов/Ext/ObjectModule.bsl — one contract per settlement mode
CONTRACT_NAMES = {
    "ПоДоговоруВЦелом": "Основний договір",
    "ПоЗаказам": "Договір по замовленнях",
    "ПоСчетам": "Договір по рахунках",
}
SUPPLIER_PHONES, SUPPLIER_EMAILS = ["+38 (044) 555-66-77"], ["zakaz@ukrpostach.ua"]
ContactRow = tuple[str, str, str, str]  # (counterparty, Тип, Вид, value)


def seed_customers(
    ctx: SeedContext,
    org: dict[str, Any],
    uah: dict[str, Any],
    retail: dict[str, Any],
    contacts: list[ContactRow],
) -> list[dict[str, Any]]:
    """The customers with their contracts; their phones and e-mails are appended to `contacts`."""
    out = []
    for k, (name, kind, edrpou, settlement, phones, emails) in enumerate(CUSTOMERS):
        code = str(k + 1 if k < 3 else k + 2).zfill(9)  # 000000004 is the supplier's
        cp = ctx.obj(
            "Catalog_Контрагенты",
            Code=code,
            Description=name,
            НаименованиеПолное=name,
            ЮрФизЛицо=kind,
            КодПоЕДРПОУ=edrpou if kind == "ЮрЛицо" else "",
            ИНН=edrpou if kind == "ФизЛицо" else "",
            Покупатель=True,
        )
        cp["ГоловнойКонтрагент_Key"] = cp["Ref_Key"]  # ПередЗаписью of Контрагенты: its own head
        contract = ctx.obj(
            "Catalog_ДоговорыКонтрагентов",
            Code=code,
            Description=CONTRACT_NAMES[settlement],
            Owner_Key=cp["Ref_Key"],
            Организация_Key=org["Ref_Key"],
            ВидДоговора="СПокупателем",
            ВалютаВзаиморасчетов_Key=uah["Ref_Key"],
            ВедениеВзаиморасчетов=settlement,
            ТипЦен=retail["Ref_Key"],
            ТипЦен_Type=f"{NS}.Catalog_ТипыЦенНоменклатуры",
        )
        cp["ОсновнойДоговорКонтрагента_Key"] = contract["Ref_Key"]
        ctx.put("Catalog_Контрагенты", cp)
        ctx.put("Catalog_ДоговорыКонтрагентов", contract)
        for n_ph, ph in enumerate(phones):
            # the key is (Объект, Тип, Вид): a second phone needs another kind
            contacts.append(
                (cp["Ref_Key"], "Телефон", "Телефон контрагента" if n_ph == 0 else "Мобільний телефон", ph)
            )
        for em in emails:
            contacts.append((cp["Ref_Key"], "АдресЭлектроннойПочты", "Адрес електронної пошти", em))
        out.append(
            {
                "ref": cp["Ref_Key"],
                "description": name,
                "contract": contract["Ref_Key"],
                "settlement": settlement,
                "phones": phones,
                "emails": emails,
            }
        )
    return out


def seed_supplier(
    ctx: SeedContext, org: dict[str, Any], uah: dict[str, Any], contacts: list[ContactRow]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The supplier and its contract; a supplier the shop may also sell to, so it has contacts too."""
    supplier = ctx.obj(
        "Catalog_Контрагенты",
        Code="000000004",
        Description="ТОВ Укрпостач Запчастини",
        ЮрФизЛицо="ЮрЛицо",
        КодПоЕДРПОУ="40999888",
        Поставщик=True,
    )
    supplier["ГоловнойКонтрагент_Key"] = supplier["Ref_Key"]
    contract = ctx.obj(
        "Catalog_ДоговорыКонтрагентов",
        Code="000000004",
        Description="Договір поставки",
        Owner_Key=supplier["Ref_Key"],
        Организация_Key=org["Ref_Key"],
        ВидДоговора="СПоставщиком",
        ВалютаВзаиморасчетов_Key=uah["Ref_Key"],
        ВедениеВзаиморасчетов="ПоДоговоруВЦелом",
    )
    supplier["ОсновнойДоговорКонтрагента_Key"] = contract["Ref_Key"]
    ctx.put("Catalog_Контрагенты", supplier)
    ctx.put("Catalog_ДоговорыКонтрагентов", contract)
    contacts.append((supplier["Ref_Key"], "Телефон", "Телефон контрагента", SUPPLIER_PHONES[0]))
    contacts.append(
        (supplier["Ref_Key"], "АдресЭлектроннойПочты", "Адрес електронної пошти", SUPPLIER_EMAILS[0])
    )
    return supplier, contract


def seed_contacts(ctx: SeedContext, contacts: list[ContactRow]) -> None:
    ctx.store.reg_insert(
        "InformationRegister_КонтактнаяИнформация",
        [
            {
                "Объект": cp,
                "Объект_Type": f"{NS}.Catalog_Контрагенты",
                "Тип": typ,
                "Вид": vid,
                "Вид_Type": "Edm.String",
                "Представление": value,
                "Поле1": value,
                **{f"Поле{k}": "" for k in range(2, 11)},
                "Комментарий": "",
                "ЗначениеПоУмолчанию": True,
            }
            for cp, typ, vid, value in contacts
        ],
    )
