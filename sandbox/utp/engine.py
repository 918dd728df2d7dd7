"""The emulated base's behaviour: writes (POST/PATCH semantics of §1.7), posting checks and register
movements (§1.8, §2.2), and register virtual tables (§1.9). HTTP lives in app.py."""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
import uuid
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from . import catalog_rules, posting_cash, posting_catalog, posting_sales
from .errors import ODataError, business, not_found
from .filters import FilterError, Fn, Scope, Typed, norm_date, sql_prefilter
from .model import EMPTY_DATE, EMPTY_REF, ENTITIES, NS, UNDEFINED, Entity, F
from .store import Store, defaults_for, field_columns, q, string_type_description

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ORDER = "Document_ЗаказПокупателя"
ORDER_T = f"{NS}.{ORDER}"
WAREHOUSE_T = f"{NS}.Catalog_Склады"
# Documents whose metadata says <RealTimePosting>Deny</RealTimePosting> in the customer's dump
# (github.com/malakhovua/utp): Documents/РеализацияТоваровУслуг.xml, Documents/ЗакрытиеЗаказовПокупателей.xml,
# Documents/УстановкаЦенНоменклатуры.xml. The other posted documents say Allow: Documents/ЗаказПокупателя.xml,
# ВозвратТоваровОтПокупателя.xml, ПриходныйКассовыйОрдер.xml, ПоступлениеТоваровУслуг.xml.
NO_REALTIME = {
    "Document_РеализацияТоваровУслуг",
    "Document_ЗакрытиеЗаказовПокупателей",
    "Document_УстановкаЦенНоменклатуры",
}


def new_ref() -> str:
    return str(uuid.uuid1())


def now_naive() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def _bad_value(name: str) -> ODataError:
    return ODataError(400, "4", f"Неверное значение свойства: {name}")


def coerce(f: F, value: Any) -> Any:
    """A JSON value written to an attribute, as 1C stores it (§1.7: truncation, Int64 quirk…)."""
    k = f.kind
    if k == "str":
        text = "" if value is None else str(value)
        return text[: f.length] if f.length else text
    if k == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _bad_value(f.name)
    if k == "num":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise _bad_value(f.name) from None
        return fit_number(f, number)
    if k == "int":
        # GATE-P8: a non-numeric string sent to an Int64 field is accepted and the value stays 0.
        try:
            number = float(value)
        except (TypeError, ValueError):
            return 0
        return int(fit_number(f, number))
    if k == "date":
        if not isinstance(value, str):
            raise _bad_value(f.name)
        try:
            return norm_date(value)
        except FilterError:
            raise _bad_value(f.name) from None
    if k == "ref":
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise _bad_value(f.name)
        return value.lower()  # a GUID of a missing object is accepted: a "broken" reference (§1.7)
    if k == "enum":
        text = "" if value is None else str(value)
        if text and f.values and text not in f.values:
            raise _bad_value(f.name)
        return text
    if k == "typedesc":
        return value if isinstance(value, dict) else string_type_description()
    if k == "storage":
        if value in (None, ""):
            return ""
        if not isinstance(value, str):
            raise _bad_value(f.name)
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _bad_value(f.name) from None
        return value
    raise _bad_value(f.name)


def fit_number(f: F, number: float) -> float:
    """A number as the attribute's type holds it (schema.json: Число(digits, fraction), sign).

    Rounded to the fraction digits (half away from zero, as 1C rounds); a value whose integer part
    needs more digits than the type has, or a negative value for a non-negative type, is refused
    with 400 "Неверное значение свойства" (the emulator's choice: the type's capacity is the
    configuration's fact, the exact answer of a real base to an out-of-range number is not recorded).
    """
    if number != number or number in (float("inf"), float("-inf")):
        raise _bad_value(f.name)
    places = f.fraction if f.digits else 6
    try:
        rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than any 1C number holds
        raise _bad_value(f.name) from None
    if f.nonnegative and rounded < 0:
        raise _bad_value(f.name)
    if f.digits and abs(rounded) >= Decimal(10) ** (f.digits - f.fraction):
        raise _bad_value(f.name)
    return float(rounded)


def type_allowed(f: F, type_name: str) -> bool:
    """Whether a composite field's type list (schema.json) holds ``type_name``."""
    if not f.types or type_name == UNDEFINED:
        return True
    if type_name in ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Decimal"):
        type_name = "Edm.Double"
    return any(type_name == t or (t.endswith("*") and type_name.startswith(t[:-1])) for t in f.types)


def coerce_comp(f: F, value: Any, type_name: Any, old_type: str) -> tuple[Any, str]:
    t = str(type_name) if type_name is not None else old_type
    if t == UNDEFINED:
        return "", t
    if not type_allowed(f, t):
        # a value of a type the field does not hold (1C: the attribute's type description refuses it)
        raise _bad_value(f.name + "_Type")
    if t.startswith(NS + "."):
        if value in (None, ""):
            return EMPTY_REF, t
        if not isinstance(value, str) or not GUID_RE.match(value):
            raise _bad_value(f.name)
        return value.lower(), t
    number = F(f.name, "num", digits=f.digits, fraction=f.fraction, nonnegative=f.nonnegative)
    prim = {
        "Edm.String": F(f.name, "str", f.length),
        "Edm.Double": number,
        "Edm.Boolean": F(f.name, "bool"),
        "Edm.DateTime": F(f.name, "date"),
        "Edm.Int64": number,
    }.get(t)
    if prim is None:
        raise _bad_value(f.name + "_Type")
    return coerce(prim, value), t


def apply_fields(fields: list[F], rec: dict[str, Any], body: dict[str, Any]) -> None:
    for f in fields:
        if f.name in ("Ref_Key", "DataVersion", "LineNumber"):
            continue  # Ref_Key in a body is ignored (§1.7), DataVersion is the server's
        if f.kind == "comp":
            if f.name in body or f.name + "_Type" in body:
                old_type = rec.get(f.name + "_Type", UNDEFINED)
                val, typ = coerce_comp(
                    f, body.get(f.name, rec.get(f.name)), body.get(f.name + "_Type"), old_type
                )
                rec[f.name], rec[f.name + "_Type"] = val, typ
        elif f.name in body:
            rec[f.name] = coerce(f, body[f.name])


def _num(v: Any) -> float:
    return float(v or 0)


class Engine:
    def __init__(self, store: Store, options: posting_sales.SalesOptions | None = None):
        self.catalog_options = posting_catalog.CatalogPostingOptions()
        self.store = store
        self.options = options or posting_sales.SalesOptions()
        posting_sales.ensure_predefined(self)

    # ================================================================== object writes
    def _tables_from_body(self, ent: Entity, rec: dict[str, Any], body: dict[str, Any]) -> None:
        for t, cols in ent.tables.items():
            if t not in body:
                continue
            rows = body[t]
            if not isinstance(rows, list):
                raise _bad_value(t)
            nums = []
            for row in rows:
                if not isinstance(row, dict):
                    raise _bad_value(t)
                if "LineNumber" not in row:
                    # §1.7 / MISTA1: rows without LineNumber → 500 internal error
                    raise ODataError(
                        500, "-1", "Произошла внутренняя ошибка OData сервиса. Не задан LineNumber"
                    )
                try:
                    nums.append(int(row["LineNumber"]))
                except (TypeError, ValueError):
                    raise _bad_value("LineNumber") from None
            if sorted(nums) != list(range(1, len(nums) + 1)):
                # §1.7 / GATE-P9: numbering must be 1..n, otherwise 400
                raise ODataError(400, "4", f"Неверное значение свойства LineNumber табличной части {t}")
            new_rows = []
            dflt = self.store.row_defaults[(ent.name, t)]
            for row in sorted(rows, key=lambda rw: int(rw["LineNumber"])):
                nr = dict(dflt)
                apply_fields(cols, nr, row)
                nr["LineNumber"] = int(row["LineNumber"])
                new_rows.append(nr)
            rec[t] = new_rows  # a tabular section in the body replaces the whole section (§1.7)

    def _recalc(self, ent: Entity, rec: dict[str, Any]) -> None:
        """`ПередЗаписью` of UT 10.3 sales documents recomputes СуммаДокумента (skipped in DataLoadMode)."""
        if "СуммаДокумента" not in ent.field_map() or ent.name == "Document_ПриходныйКассовыйОрдер":
            return
        total = 0.0
        for t in ("Товары", "Услуги"):
            for row in rec.get(t, []):
                total += _num(row.get("Сумма"))
                if rec.get("УчитыватьНДС") and not rec.get("СуммаВключаетНДС"):
                    total += _num(row.get("СуммаНДС"))
        rec["СуммаДокумента"] = round(total, 2)

    def create(self, set_name: str, body: dict[str, Any], load_mode: bool = False) -> dict[str, Any]:
        ent = ENTITIES[set_name]
        rec: dict[str, Any] = dict(self.store.defaults[set_name])
        for t in ent.tables:
            rec[t] = []
        apply_fields(ent.fields(), rec, body)
        self._tables_from_body(ent, rec, body)
        with self.store.tx() as cur:
            rec["Ref_Key"] = new_ref()  # a client-chosen Ref_Key is not honoured (unknown #7)
            rec["DataVersion"] = self.store.new_data_version(cur)
            if ent.kind == "document":
                if not rec.get("Date") or rec["Date"] == EMPTY_DATE:
                    rec["Date"] = now_naive()
                if not rec.get("Number"):
                    rec["Number"] = self._next_number(ent, rec, cur)
                if not load_mode:
                    posting_sales.before_write(self, set_name, rec)
                    self._recalc(ent, rec)
            if ent.kind in ("catalog", "chart") and ent.code_len and not rec.get("Code"):
                seqno = self.store.next_seq("code:" + set_name, 1, cur)
                rec["Code"] = str(seqno).zfill(ent.code_len)
            catalog_rules.before_write(self.store, set_name, rec, None, load_mode)
            self.store.put(set_name, rec, cur)
        return rec

    def _next_number(self, ent: Entity, rec: dict[str, Any], cur: sqlite3.Cursor) -> str:
        prefix = ""
        org_ref = rec.get("Организация_Key")
        if org_ref and org_ref != EMPTY_REF:
            org = self.store.get("Catalog_Организации", org_ref)
            prefix = (org or {}).get("Префикс", "") or ""
        seqno = self.store.next_seq("number:" + ent.name, 1, cur)
        return prefix + str(seqno).zfill(11 - len(prefix))

    def patch(self, set_name: str, ref: str, body: dict[str, Any], load_mode: bool = False) -> dict[str, Any]:
        ent = ENTITIES[set_name]
        with self.store.tx() as cur:
            rec = self.store.get(set_name, ref)
            if rec is None:
                raise not_found(f"{set_name}(guid'{ref}')")
            was_posted = bool(rec.get("Posted"))
            old = dict(rec)
            apply_fields(ent.fields(), rec, body)
            self._tables_from_body(ent, rec, body)
            if ent.kind == "document":
                if was_posted and rec.get("Posted") and rec.get("DeletionMark"):
                    # odata1c-gate M2: a posted document cannot be marked for deletion — Unpost first.
                    raise business(
                        f'Нельзя пометить на удаление проведенный документ "{self.presentation(ent, rec)}". '
                        "Сначала отмените проведение."
                    )
                if not load_mode:
                    posting_sales.before_write(self, set_name, rec)
                    self._recalc(ent, rec)
            catalog_rules.before_write(self.store, set_name, rec, old, load_mode)
            rec["DataVersion"] = self.store.new_data_version(cur)
            self.store.put(set_name, rec, cur)
        return rec

    def presentation(self, ent: Entity, rec: dict[str, Any]) -> str:
        if ent.kind == "document":
            try:
                date = datetime.fromisoformat(rec["Date"]).strftime("%d.%m.%Y %H:%M:%S")
            except ValueError:
                date = rec["Date"]
            return f"{ent.title} {rec.get('Number', '')} от {date}"
        return str(rec.get("Description", ""))

    def describe(self, set_name: str, ref: str) -> str:
        if not ref or ref == EMPTY_REF or set_name not in ENTITIES:
            return ""
        rec = self.store.get(set_name, ref)
        return "<Объект не найден>" if rec is None else self.presentation(ENTITIES[set_name], rec)

    # ================================================================== posting
    def post(self, set_name: str, ref: str, operational: bool) -> dict[str, Any]:
        ent = ENTITIES[set_name]
        with self.store.tx() as cur:
            doc = self.store.get(set_name, ref)
            if doc is None:
                raise not_found(f"{set_name}(guid'{ref}')")
            title = self.presentation(ent, doc)
            if doc.get("DeletionMark"):
                raise business(f'Документ "{title}" помечен на удаление и не может быть проведен.')
            if operational and set_name in NO_REALTIME:
                raise business(f'Оперативное проведение документов вида "{ent.title}" запрещено.')
            self.store.delete_movements(doc["Ref_Key"], cur)  # re-posting replaces the movements
            msgs: list[str] = []
            moves: dict[str, list[dict[str, Any]]] = defaultdict(list)
            handler = getattr(self, "_post_" + set_name.split("_", 1)[1], None)
            if handler is not None:
                handler(doc, operational, msgs, moves)
            if msgs:
                raise business(f'Не удалось провести документ "{title}"!\n' + "\n".join(msgs))
            for reg, rows in moves.items():
                reg_ent = ENTITIES[reg]
                dflt = defaults_for(reg_ent.dims + reg_ent.resources)
                full = []
                for line, row in enumerate(rows, start=1):
                    mv = {
                        **dflt,
                        "Recorder": doc["Ref_Key"],
                        "Recorder_Type": f"{NS}.{set_name}",
                        "LineNumber": line,
                        "Period": doc["Date"],
                        "Active": True,
                        "RecordType": "Receipt",
                        **row,
                    }
                    full.append(mv)
                self.store.reg_insert(reg, full, cur)
            doc["Posted"] = True
            doc["DataVersion"] = self.store.new_data_version(cur)
            self.store.put(set_name, doc, cur)
        return doc

    def unpost(self, set_name: str, ref: str) -> dict[str, Any]:
        with self.store.tx() as cur:
            doc = self.store.get(set_name, ref)
            if doc is None:
                raise not_found(f"{set_name}(guid'{ref}')")
            self.store.delete_movements(doc["Ref_Key"], cur)
            doc["Posted"] = False
            doc["DataVersion"] = self.store.new_data_version(cur)
            self.store.put(set_name, doc, cur)
        return doc

    # ----- shared checks -----
    def _required(self, doc: dict[str, Any], names: list[str], msgs: list[str]) -> None:
        for name in names:
            v = doc.get(name)
            if v in (None, "", 0, 0.0, EMPTY_REF, EMPTY_DATE):
                label = name[:-4] if name.endswith("_Key") else name
                msgs.append(f'Не заполнено значение реквизита "{label}"')

    def _row_required(
        self, table: str, rows: list[dict[str, Any]], names: list[str], msgs: list[str]
    ) -> None:
        for row in rows:
            for name in names:
                v = row.get(name)
                if v in (None, "", 0, 0.0, EMPTY_REF):
                    label = name[:-4] if name.endswith("_Key") else name
                    msgs.append(
                        f'Строка номер "{row["LineNumber"]}" табличной части "{table}": '
                        f'Не заполнено значение реквизита "{label}"'
                    )

    def _contract(
        self,
        doc: dict[str, Any],
        msgs: list[str],
        kind: str = "СПокупателем",
        counterparty: str | None = None,
    ) -> dict[str, Any] | None:
        cref = doc.get("ДоговорКонтрагента_Key", EMPTY_REF)
        if cref == EMPTY_REF:
            return None
        contract = self.store.get("Catalog_ДоговорыКонтрагентов", cref)
        if contract is None:
            msgs.append("Договор контрагента не найден (битая ссылка)")
            return None
        cp = counterparty if counterparty is not None else doc.get("Контрагент_Key", EMPTY_REF)
        if contract["Owner_Key"] != cp:
            msgs.append(
                f'Выбранный договор "{contract["Description"]}" не принадлежит контрагенту документа!'
            )
        org = doc.get("Организация_Key", EMPTY_REF)
        if contract["Организация_Key"] != org:
            msgs.append(
                f'Организация в договоре "{contract["Description"]}" не соответствует организации документа!'
            )
        if contract["ВидДоговора"] != kind:
            label = "С покупателем" if kind == "СПокупателем" else "С поставщиком"
            msgs.append(f'Вид договора "{contract["Description"]}" должен быть "{label}"!')
        return contract

    def _warehouse_ok(self, ref: str, msgs: list[str]) -> None:
        if not ref or ref == EMPTY_REF:
            return
        wh = self.store.get("Catalog_Склады", ref)
        if wh is not None and wh["ВидСклада"] == "НТТ":
            msgs.append(f'Склад "{wh["Description"]}" вида НТТ нельзя указывать в документе!')

    def _product(self, ref: str) -> dict[str, Any]:
        return self.store.get("Catalog_Номенклатура", ref) or {
            "Description": ref,
            "Услуга": False,
            "Набор": False,
        }

    # ----- register helpers -----
    def _balance_rows(
        self, reg: str, where: dict[str, Any], exclude_recorder: str = ""
    ) -> list[dict[str, Any]]:
        ent = ENTITIES[reg]
        dims = [c for c, _ in field_columns(ent.dims)]
        res = [f.name for f in ent.resources]
        conds = ["Active = 1"] + [f"{q(k)} = ?" for k in where]
        params: list[Any] = list(where.values())
        if exclude_recorder:
            conds.append("Recorder != ?")
            params.append(exclude_recorder)
        sums = ", ".join(
            f"ROUND(SUM(CASE WHEN RecordType='Receipt' THEN {q(r)} ELSE -{q(r)} END), 6) AS {q(r)}"
            for r in res
        )
        sql = (
            f"SELECT {', '.join(q(dm) for dm in dims)}, {sums} FROM {q(reg)} "
            f"WHERE {' AND '.join(conds)} GROUP BY {', '.join(q(dm) for dm in dims)}"
        )
        with self.store.lock:
            rows = self.store.conn.execute(sql, params).fetchall()
        out = []
        for row in rows:
            rec = dict(zip(dims + res, row, strict=True))
            if any(abs(rec[r] or 0) > 1e-9 for r in res):
                out.append(rec)
        return out

    @staticmethod
    def _order_of_row(doc: dict[str, Any], row: dict[str, Any]) -> str:
        ref = row.get("ЗаказПокупателя_Key", EMPTY_REF)
        if ref and ref != EMPTY_REF:
            return str(ref)
        if doc.get("Сделка_Type") == ORDER_T and doc.get("Сделка") not in ("", EMPTY_REF, None):
            return str(doc["Сделка"])
        return ""

    # ----- the four sales documents live in posting_sales.py -----
    def _post_ЗаказПокупателя(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_sales.post_order(self, doc, operational, msgs, moves)

    def _post_РеализацияТоваровУслуг(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_sales.post_invoice(self, doc, operational, msgs, moves)

    def _settlement(
        self, doc: dict[str, Any], deal: str, deal_type: str, amount: float, kind: str
    ) -> dict[str, Any]:
        cp = doc.get("Контрагент_Key") or (
            doc.get("Контрагент") if doc.get("Контрагент_Type", "").endswith("Контрагенты") else EMPTY_REF
        )
        return {
            "Организация_Key": doc["Организация_Key"],
            "Контрагент_Key": cp,
            "ДоговорКонтрагента_Key": doc["ДоговорКонтрагента_Key"],
            "Сделка": deal if deal_type != UNDEFINED else "",
            "Сделка_Type": deal_type,
            "RecordType": kind,
            "СуммаВзаиморасчетов": amount,
            "СуммаУпр": amount,
        }

    def _post_ВозвратТоваровОтПокупателя(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_sales.post_return(self, doc, operational, msgs, moves)

    def _post_ЗакрытиеЗаказовПокупателей(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_sales.post_closure(self, doc, operational, msgs, moves)

    # ----- ПриходныйКассовыйОрдер (rules in posting_cash.py) -----
    def _post_ПриходныйКассовыйОрдер(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_cash.post_cash_receipt(self, doc, msgs, moves, vat_payer=self.options.vat_payer)

    # ----- the catalog documents: sandbox/utp/posting_catalog.py -----
    def _post_УстановкаЦенНоменклатуры(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_catalog.post_price_setting(self, doc, msgs, moves)

    def _post_ПоступлениеТоваровУслуг(
        self, doc: dict[str, Any], operational: bool, msgs: list[str], moves: dict[str, list[dict[str, Any]]]
    ) -> None:
        posting_catalog.post_goods_receipt(self, doc, operational, msgs, moves)

    # ================================================================== virtual tables (§1.9)
    def _reg_resolver(self, reg: str) -> Any:
        cols = dict(self.store.reg_cols[reg])

        def resolve(name: str) -> tuple[str, F] | None:
            f = cols.get(name)
            return None if f is None else (q(name), f)

        return resolve

    def balance(
        self, reg: str, period: str | None, cond: tuple[Any, Fn] | None, dims: list[str] | None
    ) -> list[dict[str, Any]]:
        ent = ENTITIES[reg]
        if ent.kind != "areg" or ent.turnover:
            raise ODataError(
                400, "6", f"Неправильный адрес ресурса. Функция Balance не поддерживается для {reg}"
            )
        return self._aggregate(reg, cond, dims, period_to=period, mode="balance")

    def turnovers(
        self,
        reg: str,
        start: str | None,
        end: str | None,
        cond: tuple[Any, Fn] | None,
        dims: list[str] | None,
    ) -> list[dict[str, Any]]:
        return self._aggregate(reg, cond, dims, period_from=start, period_to=end, mode="turnover")

    def _aggregate(
        self,
        reg: str,
        cond: tuple[Any, Fn] | None,
        dims: list[str] | None,
        period_from: str | None = None,
        period_to: str | None = None,
        mode: str = "balance",
    ) -> list[dict[str, Any]]:
        ent = ENTITIES[reg]
        all_dims = [c for c, _ in field_columns(ent.dims)]
        where, params, exact = sql_prefilter(cond[0] if cond else None, self._reg_resolver(reg))
        conds = ["Active = 1", where]
        if mode == "balance" and period_to:
            conds.append("Period < ?")  # balance at the beginning of that moment
            params.append(period_to)
        if mode == "turnover":
            if period_from:
                conds.append("Period >= ?")
                params.append(period_from)
            if period_to:
                conds.append("Period <= ?")
                params.append(period_to)
        res = [f.name for f in ent.resources]
        names: list[str] = []
        for r in res:
            if mode == "balance":
                names.append(r + "Balance")
            elif ent.turnover:
                names.append(r + "Turnover")
            else:
                names += [r + "Receipt", r + "Expense", r + "Turnover"]
        cols = ", ".join(q(c) for c in [*all_dims, "RecordType", *res])
        # Aggregated in Python: a dict beats SQLite's temp B-tree GROUP BY on five GUID columns.
        with self.store.lock:
            raw = self.store.conn.execute(
                f"SELECT {cols} FROM {q(reg)} WHERE {' AND '.join(conds)}", params
            ).fetchall()
        nd = len(all_dims)
        acc: dict[tuple[Any, ...], list[float]] = {}
        for row in raw:
            key = row[:nd]
            sums = acc.get(key)
            if sums is None:
                sums = acc[key] = [0.0] * len(names)
            receipt = row[nd] == "Receipt" or ent.turnover
            for k, v in enumerate(row[nd + 1 :]):
                v = v or 0.0
                if mode == "balance":
                    sums[k] += v if receipt else -v
                elif ent.turnover:
                    sums[k] += v
                else:
                    sums[3 * k + (0 if receipt else 1)] += v
                    sums[3 * k + 2] += v if receipt else -v
        rows = []
        for key, sums in acc.items():
            rec = dict(zip(all_dims, key, strict=True))
            rec.update(zip(names, (round(x, 6) for x in sums), strict=True))
            rows.append(rec)
        if cond is not None and not exact:
            rows = [rw for rw in rows if cond[1](rw, {})]
        if dims:
            keep = [
                c for c, _ in field_columns([f for f in ent.dims if f.name in dims or f.name[:-4] in dims])
            ]
            grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
            for rw in rows:
                gk = tuple(rw[c] for c in keep)
                cur = grouped.setdefault(gk, {**{c: rw[c] for c in keep}, **{n: 0.0 for n in names}})
                for n in names:
                    cur[n] += rw[n] or 0
            rows = list(grouped.values())
        return [rw for rw in rows if any(abs(rw[n] or 0) > 1e-9 for n in names)]

    def slice(
        self, reg: str, period: str | None, cond: tuple[Any, Fn] | None, last: bool = True
    ) -> list[dict[str, Any]]:
        ent = ENTITIES[reg]
        dims = [c for c, _ in field_columns(ent.dims)]
        res = [c for c, _ in field_columns(ent.resources)]
        where, params, exact = sql_prefilter(cond[0] if cond else None, self._reg_resolver(reg))
        conds = [where] if ent.kind == "ireg" else ["Active = 1", where]  # independent: no Active
        if period:
            conds.append("Period <= ?" if last else "Period >= ?")
            params.append(period)
        sql = (
            f"SELECT Period, {', '.join(q(c) for c in dims + res)} FROM {q(reg)} WHERE {' AND '.join(conds)}"
        )
        with self.store.lock:
            fetched = self.store.conn.execute(sql, params).fetchall()
        best: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        nd = len(dims)
        for row in fetched:
            key = row[1 : 1 + nd]
            cur = best.get(key)
            if cur is None or (row[0] > cur[0] if last else row[0] < cur[0]):
                best[key] = row
        raw = list(best.values())
        rows = [dict(zip(["Period", *dims, *res], row, strict=True)) for row in raw]
        if cond is not None and not exact:
            rows = [rw for rw in rows if cond[1](rw, {})]
        return rows


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(round(v, 3))


def reg_scope(reg: str) -> Scope:
    ent = ENTITIES[reg]
    return Scope({f.name: f for f in ent.dims + ent.resources}, {})


__all__ = ["Engine", "Typed", "reg_scope"]
