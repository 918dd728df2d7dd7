"""Reference data of UTP: the organisation, currency, warehouses, price types, cash desks, order-closure
reasons and users the settings name, resolved once per client.
"""

from __future__ import annotations

from bridge.utp.base import UtpBase, _not_found
from bridge.utp.models import CashDesk, ClosureReason, Currency, Organisation, PriceType, Warehouse
from bridge.utp.names import (
    CASH_DESKS,
    CLOSURE_REASONS,
    CURRENCIES,
    ORGANISATIONS,
    PRICE_TYPES,
    USERS,
    WAREHOUSES,
)
from bridge.utp.odata_query import Guid, and_, eq


class ReferenceData(UtpBase):
    """Reference data (cached per client)."""

    def organisation(self, name: str | None = None, *, code: str | None = None) -> Organisation:
        """The organisation by exact name or code (or the only one). [1, cached]"""
        flt = and_(
            eq("DeletionMark", False),
            eq("Description", name) if name is not None else None,
            eq("Code", code) if code is not None else None,
        )

        def load() -> Organisation:
            found = self._list(ORGANISATIONS, Organisation, flt, top=2)
            if not found:
                raise _not_found(f"organisation {name or code!r} not found")
            return found[0]

        result: Organisation = self._cached(("org", name or "", code or ""), load)
        return result

    def currency(self, code: str = "980") -> Currency:
        """Currency by ISO numeric code (``Catalog_Валюты.Code``). [1, cached]"""

        def load() -> Currency:
            found = self._list(CURRENCIES, Currency, eq("Code", code), top=1)
            if not found:
                raise _not_found(f"currency {code!r} not found")
            return found[0]

        result: Currency = self._cached(("currency", code), load)
        return result

    def warehouses(self) -> list[Warehouse]:
        """All warehouses (not folders, not marked for deletion). [1, cached]"""
        flt = and_(eq("IsFolder", False), eq("DeletionMark", False))
        result: list[Warehouse] = self._cached(
            ("warehouses",), lambda: self._list(WAREHOUSES, Warehouse, flt)
        )
        return result

    def price_type(self, name: str) -> PriceType:
        """Price type by exact name. [1, cached]"""

        def load() -> PriceType:
            flt = and_(eq("Description", name), eq("DeletionMark", False))
            found = self._list(PRICE_TYPES, PriceType, flt, top=1)
            if not found:
                raise _not_found(f"price type {name!r} not found")
            return found[0]

        result: PriceType = self._cached(("price_type", name), load)
        return result

    def cash_desks(self, organisation_key: str) -> list[CashDesk]:
        """Cash desks of an organisation (``Catalog_Кассы`` is subordinate to it). [1, cached]"""
        flt = and_(eq("Owner_Key", Guid(organisation_key)), eq("DeletionMark", False))
        result: list[CashDesk] = self._cached(
            ("cash_desks", organisation_key), lambda: self._list(CASH_DESKS, CashDesk, flt)
        )
        return result

    def closure_reasons(self) -> list[ClosureReason]:
        """``Catalog_ПричиныЗакрытияЗаказов``. [1, cached]"""
        result: list[ClosureReason] = self._cached(
            ("closure_reasons",),
            lambda: self._list(CLOSURE_REASONS, ClosureReason, eq("DeletionMark", False)),
        )
        return result


def user_key(utp: UtpBase, name: str) -> str | None:
    """``Ref_Key`` of the live UTP user named ``name`` (``Description``), or None. [1]"""
    flt = and_(eq("Description", name), eq("DeletionMark", False))
    rows = utp.odata.get_collection(USERS, select=["Ref_Key", "Description"], filter=flt, top=1)
    return str(rows[0]["Ref_Key"]).lower() if rows else None
