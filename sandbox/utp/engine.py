"""The emulated base's behaviour: object writes (POST/PATCH), posting (checks and register
movements; each document's rules in its posting_*.py module) and the checks those rules share.
HTTP lives in routes.py and the modules it calls; register virtual tables in register_tables.py."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import (
    catalog_rules,
    posting_cash,
    posting_catalog,
    posting_closure,
    posting_invoice,
    posting_order,
    posting_return,
    posting_sales,
)
from .errors import ODataError, business, not_found
from .model import EMPTY_DATE, EMPTY_REF, ENTITIES, NS, UNDEFINED, Entity
from .store import Store, defaults_for, field_columns, q
from .values import apply_fields, bad_value, new_ref, now_naive

# Documents whose metadata says <RealTimePosting>Deny</RealTimePosting> in the customer's dump
# (github.com/malakhovua/utp): Documents/РеализацияТоваровУслуг.xml, Documents/ЗакрытиеЗаказовПокупателей.xml,
# Documents/УстановкаЦенНоменклатуры.xml. The other posted documents say Allow: Documents/ЗаказПокупателя.xml,
# ВозвратТоваровОтПокупателя.xml, ПриходныйКассовыйОрдер.xml, ПоступлениеТоваровУслуг.xml.
NO_REALTIME = {
    "Document_РеализацияТоваровУслуг",
    "Document_ЗакрытиеЗаказовПокупателей",
    "Document_УстановкаЦенНоменклатуры",
}

Moves = dict[str, list[dict[str, Any]]]
# A document's posting rules: (engine, document, messages to refuse with, movements to write).
Poster = Callable[["Engine", dict[str, Any], list[str], Moves], None]
POSTING: dict[str, Poster] = {
    "Document_ЗаказПокупателя": posting_order.post_order,
    "Document_РеализацияТоваровУслуг": posting_invoice.post_invoice,
    "Document_ВозвратТоваровОтПокупателя": posting_return.post_return,
    "Document_ЗакрытиеЗаказовПокупателей": posting_closure.post_closure,
    "Document_ПриходныйКассовыйОрдер": posting_cash.post_cash_receipt,
    "Document_УстановкаЦенНоменклатуры": posting_catalog.post_price_setting,
    "Document_ПоступлениеТоваровУслуг": posting_catalog.post_goods_receipt,
}


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
                raise bad_value(t)
            nums = []
            for row in rows:
                if not isinstance(row, dict):
                    raise bad_value(t)
                if "LineNumber" not in row:
                    # rows without LineNumber → 500 internal error, as a real base answers
                    raise ODataError(
                        500, "-1", "Произошла внутренняя ошибка OData сервиса. Не задан LineNumber"
                    )
                try:
                    nums.append(int(row["LineNumber"]))
                except (TypeError, ValueError):
                    raise bad_value("LineNumber") from None
            if sorted(nums) != list(range(1, len(nums) + 1)):
                # numbering must be 1..n, otherwise 400
                raise ODataError(400, "4", f"Неверное значение свойства LineNumber табличной части {t}")
            new_rows = []
            dflt = self.store.row_defaults[(ent.name, t)]
            for row in sorted(rows, key=lambda rw: int(rw["LineNumber"])):
                nr = dict(dflt)
                apply_fields(cols, nr, row)
                nr["LineNumber"] = int(row["LineNumber"])
                new_rows.append(nr)
            rec[t] = new_rows  # a tabular section in the body replaces the whole section

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
            # A client-chosen Ref_Key is not honoured (what a real base does with one is not recorded).
            rec["Ref_Key"] = new_ref()
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
                    # A posted document cannot be marked for deletion — Unpost first.
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
            poster = POSTING.get(set_name)
            if poster is not None:
                poster(self, doc, msgs, moves)
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

    def _settlement(
        self, doc: dict[str, Any], deal: str, deal_type: str, amount: float, kind: str
    ) -> dict[str, Any]:
        """A ВзаиморасчетыСКонтрагентами movement of the document's counterparty and contract."""
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
