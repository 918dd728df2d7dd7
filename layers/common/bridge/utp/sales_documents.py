"""What the sales documents need besides their lines, as UTP's own fill-from-basis writes it.

Kept out of client.py (already long): the responsible user's key, and the header attributes that an
accountant's "create based on" (``ОбработкаЗаполнения`` of each document, malakhovua/utp) sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bridge.utp.odata import and_, eq

if TYPE_CHECKING:
    from bridge.utp.client import UtpClient

USERS = "Catalog_Пользователи"


def user_key(utp: UtpClient, name: str) -> str | None:
    """``Ref_Key`` of the live UTP user named ``name`` (``Description``), or None. [1]"""
    flt = and_(eq("Description", name), eq("DeletionMark", False))
    rows = utp.odata.get_collection(USERS, select=["Ref_Key", "Description"], filter=flt, top=1)
    return str(rows[0]["Ref_Key"]).lower() if rows else None


def not_before(date: datetime, basis_date: datetime | None) -> datetime:
    """A document dated before its order is refused (CommonModules/УправлениеЗаказами,
    ПроверитьРеквизитыЗаказов; ЗакрытиеЗаказовПокупателей, ПроверитьЗаполнениеТабличнойЧастиЗаказы)."""
    return max(date, basis_date) if basis_date is not None else date


def reflection(accounting: bool) -> dict[str, Any]:
    """The reflection flags. Management is always on (the register movements the bridge reads are
    written only then: ДвиженияПоРегистрамУпр); accounting as the setting says. UTP 1.2 has no tax flag
    on these documents any more (the attribute is `УдалитьОтражатьВНалоговомУчете`, a deprecated one),
    so none is written."""
    return {
        "ОтражатьВУправленческомУчете": True,
        "ОтражатьВБухгалтерскомУчете": accounting,
    }


def document_extra(
    responsible_key: str | None, *, accounting: bool | None = None, more: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Header attributes a rule adds to a document body: Ответственный and the reflection flags."""
    out: dict[str, Any] = {}
    if accounting is not None:
        out.update(reflection(accounting))
    if responsible_key:
        out["Ответственный_Key"] = responsible_key
    out.update(more or {})
    return out
