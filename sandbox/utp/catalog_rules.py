"""Write-time rules of the party catalogs and of additional property values, as UTP 1.2 runs them.

Counterparties (``Catalog_Контрагенты``) and their contracts (``Catalog_ДоговорыКонтрагентов``) are
checked and completed by their object modules on every write that is not a data-exchange load
(``1C_OData-DataLoadMode: true`` is 1C's ``ОбменДанными.Загрузка``: every check below is skipped then).
A refusal (``Отказ = Истина``) is answered like a posting refusal, 500 / ``-1`` (refusals of
``ПередЗаписью`` are 500/-1), and nothing is written.

Additional property values (``InformationRegister_ЗначенияСвойствОбъектов.Значение``) are typed by the
characteristic type ``СвойстваОбъектов``, whose string qualifier is 50 characters: a longer string is
cut silently, like any bounded string attribute.
"""

from __future__ import annotations

from typing import Any

from .errors import business
from .model import EMPTY_REF, ENTITIES, NS
from .posting_cash import RECEIPT, receipt_before_write
from .store import json_expr, q

COUNTERPARTY = "Catalog_Контрагенты"
CONTRACT = "Catalog_ДоговорыКонтрагентов"
PROPERTY_VALUES = "InformationRegister_ЗначенияСвойствОбъектов"
# UTP 1.2: ChartsOfCharacteristicTypes/СвойстваОбъектов.xml, Type → StringQualifiers Length 50.
PROPERTY_STRING_LENGTH = 50

_EMPTY = (None, "", EMPTY_REF)


def _filled(value: Any) -> bool:
    return value not in _EMPTY


class _Refusal:
    def __init__(self, title: str) -> None:
        self.title = title
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise business(f'Не удалось записать "{self.title}"!\n' + "\n".join(self.messages))


def before_write(
    store: Any, set_name: str, rec: dict[str, Any], old: dict[str, Any] | None, load_mode: bool
) -> None:
    """The catalog's ``ПередЗаписью`` and ``ПриЗаписи``: raise to refuse, or complete ``rec`` in place.

    ``old`` is the stored object before this write (None for a new one); ``rec`` already has its
    ``Ref_Key`` (1C knows the new object's reference in ``ПриЗаписи``).
    """
    if load_mode:
        return
    if set_name == RECEIPT:
        receipt_before_write(rec)
    elif set_name == COUNTERPARTY:
        _counterparty(store, rec, old)
    elif set_name == CONTRACT:
        _contract(store, rec, old)


def _counterparty(store: Any, rec: dict[str, Any], old: dict[str, Any] | None) -> None:
    refusal = _Refusal(f"Контрагенты: {rec.get('Description', '')}")
    if rec.get("IsFolder"):
        return
    # UTP 1.2: Catalogs/Контрагенты/Ext/ObjectModule.bsl, ПередЗаписью — the main kind of activity
    # must be one of the counterparty's kinds of activity, else it is cleared.
    main_activity = rec.get("ОсновнойВидДеятельности_Key")
    kinds = {row.get("ВидДеятельности_Key") for row in rec.get("ВидыДеятельности", [])}
    if _filled(main_activity) and main_activity not in kinds:
        rec["ОсновнойВидДеятельности_Key"] = EMPTY_REF
    # Same procedure: an empty head counterparty becomes the counterparty itself.
    if not _filled(rec.get("ГоловнойКонтрагент_Key")):
        rec["ГоловнойКонтрагент_Key"] = rec["Ref_Key"]
    head = rec["ГоловнойКонтрагент_Key"]
    if head == rec["Ref_Key"]:
        return
    # UTP 1.2: Catalogs/Контрагенты/Ext/ObjectModule.bsl, ПриЗаписи — a head counterparty cannot
    # itself have another head, and a counterparty that heads others cannot get a head.
    head_rec = store.get(COUNTERPARTY, head)
    if head_rec is not None:
        heads_head = head_rec.get("ГоловнойКонтрагент_Key")
        if _filled(heads_head) and heads_head != head:
            refusal.add(
                f"Контрагент {head_rec.get('Description', '')} не может быть выбран головным, так как для "
                f"него уже был назначен головной контрагент "
                f"{(store.get(COUNTERPARTY, heads_head) or {}).get('Description', '')}!"
            )
            refusal.raise_if_any()
    branches = [
        c
        for c in store.select(COUNTERPARTY, f"{json_expr('ГоловнойКонтрагент_Key')} = ?", [rec["Ref_Key"]])
        if c["Ref_Key"] != rec["Ref_Key"]
    ]
    if branches:
        refusal.add(
            f"Контрагент {rec.get('Description', '')} не может иметь головного контрагента! "
            "Этот контрагент уже установлен головным для: "
            + ", ".join(str(c.get("Description", "")) for c in branches)
        )
    refusal.raise_if_any()


def _contract(store: Any, rec: dict[str, Any], old: dict[str, Any] | None) -> None:
    if rec.get("IsFolder"):
        if old is not None and old.get("Owner_Key") != rec.get("Owner_Key"):
            # UTP 1.2: Catalogs/ДоговорыКонтрагентов/Ext/ObjectModule.bsl, ПередЗаписью
            raise business("Нельзя изменять контрагента для группы договоров.")
        return
    refusal = _Refusal(f"Договоры контрагентов: {rec.get('Description', '')}")
    if old is not None:
        _contract_in_use(store, rec, old, refusal)
    _contract_terms(store, rec, refusal)
    refusal.raise_if_any()
    # Same procedure: limits that are not controlled are zeroed.
    if not rec.get("КонтролироватьСуммуЗадолженности"):
        rec["ДопустимаяСуммаЗадолженности"] = 0.0
    if not rec.get("КонтролироватьЧислоДнейЗадолженности"):
        rec["ДопустимоеЧислоДнейЗадолженности"] = 0.0
    if not rec.get("ДержатьРезервБезОплатыОграниченноеВремя"):
        rec["ЧислоДнейРезерваБезОплаты"] = 0.0


def _contract_in_use(store: Any, rec: dict[str, Any], old: dict[str, Any], refusal: _Refusal) -> None:
    """UTP 1.2: Catalogs/ДоговорыКонтрагентов/Ext/ObjectModule.bsl, ПередЗаписью — an existing
    contract with documents keeps its owner; with movements it keeps its settlement terms."""
    name = rec.get("Description", "")
    used = _in_documents(store, rec["Ref_Key"])
    if old.get("Owner_Key") != rec.get("Owner_Key") and used:
        refusal.add(
            f'Существуют документы, оформленные по договору "{name}".'
            "Контрагент договора не может быть изменен, элемент не записан."
        )
    terms = (
        "ВедениеВзаиморасчетов",
        "ВалютаВзаиморасчетов_Key",
        "ВидДоговора",
        "Организация_Key",
        "ВестиПоДокументамРасчетовСКонтрагентом",
        "СложныйНалоговыйУчет",
    )
    if any(old.get(t) != rec.get(t) for t in terms) and _in_movements(store, rec["Ref_Key"]):
        refusal.add(
            f'Существуют документы, проведенные по договору "{name}".'
            'Реквизиты "Организация", "Ведение взаиморасчетов", "Валюта взаиморасчетов", "Вид договора" '
            "не могут быть изменены, элемент не записан."
        )


def _contract_terms(store: Any, rec: dict[str, Any], refusal: _Refusal) -> None:
    """Same procedure: what every contract needs, and the kind its owner allows."""
    if not _filled(rec.get("ВалютаВзаиморасчетов_Key")):
        refusal.add("Не указана валюта договора.")
    if not _filled(rec.get("Организация_Key")):
        refusal.add("Не указана организация, от которой заключен договор.")
    if not _filled(rec.get("ВедениеВзаиморасчетов")):
        refusal.add("Не указан способ ведения взаиморасчетов по договору.")
    kind = rec.get("ВидДоговора")
    owner = store.get(COUNTERPARTY, rec.get("Owner_Key") or EMPTY_REF) or {}
    if not _filled(kind):
        refusal.add("Не указан вид договора.")
    elif kind in ("СПокупателем", "СКомиссионером") and not owner.get("Покупатель"):
        refusal.add(
            'Вид договора "С покупателем" может устанавливаться только когда у контрагента указано что '
            "он является покупателем."
        )
    elif kind in ("СПоставщиком", "СКомитентом") and not owner.get("Поставщик"):
        refusal.add(
            'Вид договора "С поставщиком" может устанавливаться только когда у контрагента указано что '
            "он является поставщиком."
        )
    elif kind == "Прочее" and rec.get("ВестиПоДокументамРасчетовСКонтрагентом"):
        refusal.add(
            'Флажок "Вести по документам расчетов с контрагентами" не может устанавливаться у договоров '
            'с видом "Прочее".'
        )


def _in_documents(store: Any, contract: str) -> bool:
    """Some document names the contract (1C: filter criterion ``ДокументыПоДоговоруКонтрагента``)."""
    with store.lock:
        for ent in ENTITIES.values():
            if ent.kind == "document":
                row = store.conn.execute(
                    f"SELECT 1 FROM {q(ent.name)} WHERE instr(data, ?) > 0 LIMIT 1", (contract,)
                ).fetchone()
                if row is not None:
                    return True
    return False


def _in_movements(store: Any, contract: str) -> bool:
    """Some accumulation register has movements by the contract (``ПолныеПрава.ПроверитьНаличие…``)."""
    with store.lock:
        for ent in ENTITIES.values():
            if ent.kind == "areg" and any(f.name == "ДоговорКонтрагента_Key" for f in ent.dims):
                row = store.conn.execute(
                    f"SELECT 1 FROM {q(ent.name)} WHERE {q('ДоговорКонтрагента_Key')} = ? LIMIT 1",
                    (contract,),
                ).fetchone()
                if row is not None:
                    return True
    return False


def register_write(set_name: str, rec: dict[str, Any]) -> None:
    """A record of an independent information register as 1C stores it."""
    if set_name == PROPERTY_VALUES and rec.get("Значение_Type") == "Edm.String":
        # UTP 1.2: ChartsOfCharacteristicTypes/СвойстваОбъектов.xml — string values are 50 characters,
        # a longer one is cut without an error.
        rec["Значение"] = str(rec.get("Значение") or "")[:PROPERTY_STRING_LENGTH]


__all__ = ["NS", "PROPERTY_STRING_LENGTH", "before_write", "register_write"]
