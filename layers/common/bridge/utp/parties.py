"""UTP operations on the parties of documents: a counterparty's roles.

Kept out of ``client.py`` (already long); each function takes the ``UtpClient`` it talks through.
"""

from __future__ import annotations

from bridge.utp.client import COUNTERPARTY, UtpClient


def counterparty_roles(utp: UtpClient, ref: str) -> tuple[bool, bool]:
    """(is a buyer, is a supplier) of one counterparty. [1]"""
    row = utp.odata.get_entity(COUNTERPARTY, ref, select=["Ref_Key", "Покупатель", "Поставщик"])
    return bool(row.get("Покупатель")), bool(row.get("Поставщик"))


def mark_as_buyer(utp: UtpClient, ref: str) -> None:
    """Tick ``Покупатель`` on a counterparty, as an accountant does before opening a contract with a
    buyer (UTP 1.2: Catalogs/ДоговорыКонтрагентов/Ext/ObjectModule.bsl, ПередЗаписью refuses a
    "with buyer" contract of a counterparty that is not a buyer). Its other roles stay. [1]"""
    utp.odata.update(COUNTERPARTY, ref, {"Покупатель": True})
