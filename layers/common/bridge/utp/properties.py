"""Additional properties of UTP objects (``ChartOfCharacteristicTypes_СвойстваОбъектов`` and their values in
``InformationRegister_ЗначенияСвойствОбъектов``): the bridge's own fields without a configuration change.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bridge.utp.base import UtpBase, _chunks, _not_found, _unique
from bridge.utp.errors import UtpDuplicateKeyError
from bridge.utp.models import CompositeRef
from bridge.utp.names import PROPERTIES, PROPERTY_VALUES
from bridge.utp.odata_answers import JsonObject
from bridge.utp.odata_query import TYPE_PREFIX, CastRef, Filter, Guid, and_, eq, in_, isof, literal

PropertyValue = str | Decimal | int | bool | CompositeRef


class Properties(UtpBase):
    """Additional properties: resolve, read, write, search."""

    def property_key(self, name: str, *, create: bool | None = None) -> str:
        """``Ref_Key`` of the property named ``name``; created when missing and allowed. [1, cached]"""
        key = ("property", name)
        if key in self._cache:
            result: str = self._cache[key]
            return result
        flt = and_(eq("Description", name), eq("DeletionMark", False))
        rows = self.odata.get_collection(PROPERTIES, select=["Ref_Key", "Description"], filter=flt, top=1)
        if rows:
            ref = str(rows[0]["Ref_Key"]).lower()
        elif create if create is not None else self.create_missing_properties:
            body: dict[str, Any] = {"Description": name}
            if self.property_purpose_key:
                body["НазначениеСвойства_Key"] = self.property_purpose_key
            ref = str(self.odata.create(PROPERTIES, body)["Ref_Key"]).lower()
        else:
            raise _not_found(f"additional property {name!r} does not exist in UTP")
        self._cache[key] = ref
        return ref

    @staticmethod
    def _value_fields(value: PropertyValue) -> dict[str, Any]:
        if isinstance(value, CompositeRef):
            return value.odata_fields("Значение")
        if isinstance(value, bool):
            return {"Значение": value, "Значение_Type": "Edm.Boolean"}
        if isinstance(value, int | Decimal):
            return {"Значение": Decimal(value), "Значение_Type": "Edm.Double"}
        return {"Значение": value, "Значение_Type": "Edm.String"}

    @staticmethod
    def _value_of(row: JsonObject) -> PropertyValue | None:
        raw_value = row.get("Значение")
        type_name = str(row.get("Значение_Type") or "")
        ref = CompositeRef.from_odata(raw_value, type_name)
        if ref is not None:
            return ref
        if raw_value in (None, "") or type_name.startswith(TYPE_PREFIX):
            return None
        if isinstance(raw_value, bool | str):
            return raw_value
        if isinstance(raw_value, int | Decimal | float):
            return Decimal(str(raw_value))
        return str(raw_value)

    def _value_filter(self, value: PropertyValue) -> Filter:
        if isinstance(value, CompositeRef):
            return eq("Значение", value.cast())
        if self.property_value_filter == "cast":
            kind = "Boolean" if isinstance(value, bool) else "String"
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                kind = "Number"
            # An alternative form, not verified on a live base: cast(Значение,'String') eq '…'.
            return Filter(f"cast(Значение,{literal(kind)}) eq {literal(value)}")
        return eq("Значение", value)

    def _object_ref(self, obj_key: str, obj_type: str) -> CompositeRef:
        return CompositeRef(key=obj_key.lower(), entity=obj_type.removeprefix(TYPE_PREFIX))

    def get_property(self, obj_key: str, obj_type: str, name: str) -> PropertyValue | None:
        """Value of a property of one object (``obj_type`` e.g. ``Document_ЗаказПокупателя``). [1]"""
        prop = self.property_key(name)
        flt = and_(eq("Объект", self._object_ref(obj_key, obj_type).cast()), eq("Свойство_Key", Guid(prop)))
        rows = self.odata.get_collection(
            PROPERTY_VALUES,
            select=["Объект", "Объект_Type", "Свойство_Key", "Значение", "Значение_Type"],
            filter=flt,
        )
        return self._value_of(rows[0]) if rows else None

    def set_property(self, obj_key: str, obj_type: str, name: str, value: PropertyValue) -> None:
        """Write a property value: POST the record; if it exists (code 15), PATCH it by its key.

        [1 new, 2 existing]
        """
        prop = self.property_key(name)
        obj = self._object_ref(obj_key, obj_type)
        body = {**obj.odata_fields("Объект"), "Свойство_Key": prop, **self._value_fields(value)}
        try:
            self.odata.create(PROPERTY_VALUES, body)
        except UtpDuplicateKeyError:
            key: dict[str, Any] = {
                "Объект": obj.key,
                "Объект_Type": TYPE_PREFIX + obj.entity,
                "Свойство_Key": Guid(prop),
            }
            self.odata.update(PROPERTY_VALUES, key, self._value_fields(value))

    def find_by_property(self, name: str, value: PropertyValue, obj_type: str) -> list[str]:
        """Keys of the objects of ``obj_type`` whose property ``name`` equals ``value``. [1]"""
        prop = self.property_key(name)
        flt = and_(
            eq("Свойство_Key", Guid(prop)),
            isof("Объект", obj_type.removeprefix(TYPE_PREFIX)),
            self._value_filter(value),
        )
        rows = self.odata.get_collection(
            PROPERTY_VALUES, select=["Объект", "Объект_Type", "Значение", "Значение_Type"], filter=flt
        )
        out = []
        for row in rows:
            ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
            if ref is not None and self._value_of(row) == value:
                out.append(ref.key)
        return _unique(out)

    def property_values(self, name: str, obj_type: str, *, page_size: int = 1000) -> dict[str, PropertyValue]:
        """Every value of a property over one object type (for status polling). [⌈N/page⌉]"""
        prop = self.property_key(name)
        flt = and_(eq("Свойство_Key", Guid(prop)), isof("Объект", obj_type.removeprefix(TYPE_PREFIX)))
        out: dict[str, PropertyValue] = {}
        for row in self.odata.iter_collection(
            PROPERTY_VALUES,
            select=["Объект", "Объект_Type", "Значение", "Значение_Type"],
            filter=flt,
            orderby="Объект",
            page_size=page_size,
        ):
            ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
            value = self._value_of(row)
            if ref is not None and value is not None:
                out[ref.key] = value
        return out

    def property_values_of(
        self, name: str, obj_type: str, obj_keys: Iterable[str], *, chunk_size: int | None = None
    ) -> dict[str, PropertyValue]:
        """Values of a property for the objects ``obj_keys`` only (status polling over a window).

        ``Свойство_Key eq guid'…' and (Объект eq cast(guid'…','Type') or …)``, ``chunk_size`` keys
        (default the client's) per request; every key goes through ``Guid`` (ValueError otherwise),
        so no caller text reaches the filter. Objects without a value are absent.
        [⌈n/chunk⌉ (+1 first use of the name); none for no keys]
        """
        keys = _unique(k.lower() for k in obj_keys)
        if not keys:
            return {}
        entity = obj_type.removeprefix(TYPE_PREFIX)
        refs = [CastRef(key, entity) for key in keys]  # validates every key and the type name
        prop = self.property_key(name)
        out: dict[str, PropertyValue] = {}
        for chunk in _chunks(refs, chunk_size or self.chunk_size):
            flt = and_(eq("Свойство_Key", Guid(prop)), in_("Объект", chunk))
            rows = self.odata.get_collection(
                PROPERTY_VALUES, select=["Объект", "Объект_Type", "Значение", "Значение_Type"], filter=flt
            )
            for row in rows:
                ref = CompositeRef.from_odata(row.get("Объект"), row.get("Объект_Type"))
                value = self._value_of(row)
                if ref is not None and value is not None and ref.entity == entity:
                    out[ref.key] = value
        return out
