"""Counterparties in UTP: customers found by their contacts or marker, created with their contract and
contact records, and their roles.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from bridge.utp.base import UtpBase, _chunks, _unique, select_of
from bridge.utp.errors import UtpDuplicateKeyError
from bridge.utp.models import CompositeRef, ContactMatch, Contract, Counterparty, NewCounterparty
from bridge.utp.names import CONTACTS, CONTRACTS, COUNTERPARTIES, PRICE_TYPES
from bridge.utp.odata_query import TYPE_PREFIX, Guid, and_, eq, isof, or_, substringof

CONTACT_KINDS = {"phone": "Телефон", "email": "АдресЭлектроннойПочты"}

_WORD_CHARS = {"phone": "0123456789", "email": "abcdefghijklmnopqrstuvwxyz0123456789._%+-@"}


def _stands_alone(spelling: str, presentation: str, kind: str) -> bool:
    """``spelling`` occurs in ``presentation`` with no digit (phone) or address character (e-mail)
    glued to either side: "067 111-22-33" is in "067 111-22-33, дом.", not in "8067 111-22-334"."""
    glue = _WORD_CHARS[kind]
    start = presentation.find(spelling)
    while start >= 0:
        end = start + len(spelling)
        before = presentation[start - 1].lower() if start > 0 else ""
        after = presentation[end].lower() if end < len(presentation) else ""
        if (not before or before not in glue) and (not after or after not in glue):
            return True
        start = presentation.find(spelling, start + 1)
    return False


class Counterparties(UtpBase):
    """Customers, their contracts and contact records."""

    def find_counterparties_by_contacts(
        self, phones: Sequence[str] = (), emails: Sequence[str] = ()
    ) -> list[ContactMatch]:
        """Counterparties whose contact records contain any given spelling (phones and e-mails OR-ed).

        ``Представление`` is a string of unlimited length, which 1C's query language cannot compare
        with ``=`` (UTP 1.2: register КонтактнаяИнформация; the configuration itself
        matches it with ``ПОДОБНО``, Событие's object module): the filter asks
        ``substringof`` and each candidate is verified here — the spelling must stand alone in the
        presentation, not inside a longer number or address. 1C cannot case-fold or strip on the
        server, so the caller passes every spelling to try. Deduplicated by (counterparty, kind,
        presentation). [1 per ``chunk_size`` spellings; 0 if none]
        """
        terms = [("phone", p) for p in _unique(phones)] + [("email", e) for e in _unique(emails)]
        seen: dict[tuple[str, str, str], ContactMatch] = {}
        for chunk in _chunks(terms, self.chunk_size):
            by_kind: dict[str, list[str]] = {}
            for kind, value in chunk:
                by_kind.setdefault(kind, []).append(value)
            parts = [
                and_(eq("Тип", CONTACT_KINDS[kind]), or_(*(substringof(v, "Представление") for v in values)))
                for kind, values in by_kind.items()
            ]
            flt = and_(isof("Объект", COUNTERPARTIES), or_(*parts))
            for match in self._list(CONTACTS, ContactMatch, flt):
                kind = "phone" if match.kind == CONTACT_KINDS["phone"] else "email"
                wanted = by_kind.get(kind, [])
                if match.counterparty_key and any(_stands_alone(v, match.presentation, kind) for v in wanted):
                    seen.setdefault((match.counterparty_key, match.kind, match.presentation), match)
        return list(seen.values())

    def find_counterparties_by_contact(
        self, kind: Literal["phone", "email"], presentations: Sequence[str]
    ) -> list[ContactMatch]:
        """Same as ``find_counterparties_by_contacts`` for one kind. [1 per chunk]"""
        if kind == "phone":
            return self.find_counterparties_by_contacts(phones=presentations)
        return self.find_counterparties_by_contacts(emails=presentations)

    def counterparty(self, ref: str) -> Counterparty:
        """[1]"""
        return Counterparty.model_validate(
            self.odata.get_entity(COUNTERPARTIES, ref, select=select_of(Counterparty))
        )

    def customer_contract(
        self, counterparty_key: str, organisation_key: str, *, main_contract_key: str | None = None
    ) -> Contract | None:
        """A usable customer contract: kind СПокупателем, same organisation, not deleted.

        The counterparty's main contract wins when it qualifies (pass ``main_contract_key`` if known
        to skip nothing: the choice is made on the same single answer). [1]
        """
        flt = and_(
            eq("Owner_Key", Guid(counterparty_key)),
            eq("ВидДоговора", "СПокупателем"),
            eq("Организация_Key", Guid(organisation_key)),
            eq("DeletionMark", False),
        )
        contracts = self._list(CONTRACTS, Contract, flt)
        if not contracts:
            return None
        if main_contract_key:
            for contract in contracts:
                if contract.ref == main_contract_key.lower():
                    return contract
        return sorted(contracts, key=lambda c: c.code)[0]

    def create_counterparty(
        self,
        name: str,
        *,
        organisation_key: str,
        currency_key: str,
        phones: Sequence[str] = (),
        emails: Sequence[str] = (),
        full_name: str | None = None,
        legal_kind: str = "ФизЛицо",
        parent_key: str | None = None,
        price_type_key: str | None = None,
        settlement_mode: str | None = None,
        contract_name: str = "Основной договор",
        extra: Mapping[str, Any] | None = None,
        link_main_contract: bool = True,
    ) -> NewCounterparty:
        """Counterparty + its customer contract (its main one) + one contact record per phone/e-mail.

        The contract's ``Ref_Key`` is chosen here so the counterparty can name it as
        ``ОсновнойДоговорКонтрагента_Key`` in the same POST; if 1C ignores a client-chosen key, the
        counterparty is PATCHed. ``link_main_contract=False`` skips the link (the rules pick the
        contract with ``customer_contract`` anyway) and guarantees the minimal cost.
        [2 + len(phones) + len(emails), +1 when linking falls back to a PATCH]
        """
        contract_ref = str(uuid.uuid4()) if self.client_ref_keys and link_main_contract else None
        body: dict[str, Any] = {
            "Description": name,
            "НаименованиеПолное": full_name or name,
            "ЮрФизЛицо": legal_kind,
            "Покупатель": True,
            **(extra or {}),
        }
        if parent_key:
            body["Parent_Key"] = parent_key
        if contract_ref:
            body["ОсновнойДоговорКонтрагента_Key"] = contract_ref
        counterparty = Counterparty.model_validate(self.odata.create(COUNTERPARTIES, body))
        contract = self.create_customer_contract(
            counterparty.ref,
            organisation_key=organisation_key,
            currency_key=currency_key,
            price_type_key=price_type_key,
            settlement_mode=settlement_mode,
            name=contract_name,
            ref=contract_ref,
        )
        if link_main_contract and counterparty.main_contract_key != contract.ref:
            patched = self.odata.update(
                COUNTERPARTIES, counterparty.ref, {"ОсновнойДоговорКонтрагента_Key": contract.ref}
            )
            counterparty = (
                Counterparty.model_validate(patched)
                if patched
                else counterparty.model_copy(update={"main_contract_key": contract.ref})
            )
        count = self._create_contacts(counterparty.ref, phones, emails)
        return NewCounterparty(counterparty=counterparty, contract=contract, contact_count=count)

    def _create_contacts(self, counterparty_ref: str, phones: Sequence[str], emails: Sequence[str]) -> int:
        """One contact record per distinct phone and e-mail; their number. [len(phones) + len(emails)]"""
        count = 0
        for kind, values in (("phone", phones), ("email", emails)):
            for index, value in enumerate(_unique(values)):
                self.odata.create(CONTACTS, self._contact_body(counterparty_ref, kind, value, index))
                count += 1
        return count

    def find_counterparties_by_marker(self, marker: str) -> list[Counterparty]:
        """Counterparties whose ``Комментарий`` carries ``marker`` as a whole word (the bridge writes it
        when it creates one, so a retry after a crash finds it even before its contacts exist). [1]"""
        rows = self.odata.get_collection(
            COUNTERPARTIES,
            select=[*select_of(Counterparty), "Комментарий"],
            filter=and_(substringof(marker, "Комментарий"), eq("DeletionMark", False)),
        )
        return [
            Counterparty.model_validate(r) for r in rows if marker in str(r.get("Комментарий", "")).split()
        ]

    def create_customer_contract(
        self,
        counterparty_key: str,
        *,
        organisation_key: str,
        currency_key: str,
        price_type_key: str | None = None,
        settlement_mode: str | None = None,
        name: str = "Основной договор",
        ref: str | None = None,
    ) -> Contract:
        """A contract of kind СПокупателем with ``organisation_key``, owned by the counterparty. [1]"""
        body: dict[str, Any] = {
            "Description": name,
            "Owner_Key": counterparty_key,
            "Организация_Key": organisation_key,
            "ВидДоговора": "СПокупателем",
            "ВалютаВзаиморасчетов_Key": currency_key,
            "ВедениеВзаиморасчетов": settlement_mode or self.settlement_mode,
        }
        if ref:
            body["Ref_Key"] = ref
        if price_type_key:
            body["ТипЦен"] = price_type_key
            body["ТипЦен_Type"] = TYPE_PREFIX + PRICE_TYPES
        return Contract.model_validate(self.odata.create(CONTRACTS, body))

    def _contact_body(self, counterparty_key: str, kind: str, value: str, index: int = 0) -> dict[str, Any]:
        """One contact-information record. The register's key is (Объект, Тип, Вид), so a second phone
        of the same counterparty needs its own ``Вид``: "<kind label> 2", "… 3" (a string kind)."""
        body: dict[str, Any] = {
            **CompositeRef(key=counterparty_key, entity=COUNTERPARTIES).odata_fields("Объект"),
            "Тип": CONTACT_KINDS[kind],
            "Представление": value,
            "Поле1": value,
        }
        label = self.contact_kind_values.get(kind)
        if index > 0:
            base = label if isinstance(label, str) and label else CONTACT_KINDS[kind]
            body.update({"Вид": f"{base} {index + 1}"[:50], "Вид_Type": "Edm.String"})
        elif isinstance(label, CompositeRef):
            body.update(label.odata_fields("Вид"))
        elif label:
            body.update({"Вид": label, "Вид_Type": "Edm.String"})
        return body

    def add_contact(self, counterparty_key: str, kind: Literal["phone", "email"], value: str) -> None:
        """One more contact record; a duplicate key (code 15) is not an error. [1]"""
        with contextlib.suppress(UtpDuplicateKeyError):
            self.odata.create(CONTACTS, self._contact_body(counterparty_key, kind, value))


def mark_as_buyer(utp: UtpBase, ref: str) -> None:
    """Tick ``Покупатель`` on a counterparty, as an accountant does before opening a contract with a
    buyer (UTP 1.2: ДоговорыКонтрагентов's object module, ПередЗаписью refuses a
    "with buyer" contract of a counterparty that is not a buyer). Its other roles stay. [1]"""
    utp.odata.update(COUNTERPARTIES, ref, {"Покупатель": True})
