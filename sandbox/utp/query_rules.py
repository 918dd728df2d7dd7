"""What 1C's query language refuses in a ``$filter`` that the grammar alone would accept.

1C translates ``$filter`` into its query language, where a string of unlimited length (length 0 in
the metadata, e.g. ``InformationRegister_КонтактнаяИнформация.Представление``) cannot be compared:
the DBMS keeps it as a text/blob column. Only ``ПОДОБНО`` (OData ``like``, ``substringof``,
``startswith``, ``endswith``) works on it — which is why the configuration itself never compares
contact presentations with ``=`` (malakhovua/utp: ``Documents/Событие/Ext/ObjectModule.bsl`` matches
``КонтактнаяИнформация.Представление ПОДОБНО &Представление``). The refusal is an emulator option
(``refuse_unlimited_string_comparison``), on by default, in case a real base proves otherwise.
"""

from __future__ import annotations

from lark import Tree

from .errors import ODataError
from .filters import Scope, scope_of
from .model import ENTITIES, F, row_fields

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


def _row_scope(cols: list[F]) -> Scope:
    return Scope({f.name: f for f in cols}, {})


def _field_of(node: object, scope: Scope, vars_: dict[str, Scope]) -> F | None:
    """The metadata field a plain path names (through references and lambda variables), if any."""
    if not isinstance(node, Tree) or str(node.data) != "path":
        return None
    first = str(node.children[0])
    segs = [str(seg.children[0]) for seg in node.children[1:] if isinstance(seg, Tree)]
    if first in vars_:
        current, names = vars_[first], segs
    else:
        current, names = scope, [first, *segs]
    field: F | None = None
    for k, name in enumerate(names):
        field = current.fields.get(name)
        if field is not None:
            return field if k == len(names) - 1 else None
        ref = current.fields.get(name + "_Key")
        if ref is None or ref.kind != "ref" or ref.target not in ENTITIES:
            return None
        current = scope_of(ref.target)
    return field


def _unlimited(f: F | None) -> bool:
    return f is not None and f.kind == "str" and f.length == 0


def check_comparisons(tree: Tree, scope: Scope, vars_: dict[str, Scope] | None = None) -> None:
    """Raise 1C's refusal for a comparison that has a string field of unlimited length on one side."""
    vars_ = vars_ or {}
    kind = str(tree.data)
    if kind in COMPARISONS:
        for side in tree.children[:2]:
            f = _field_of(side, scope, vars_)
            if _unlimited(f):
                assert f is not None
                raise ODataError(
                    500,
                    "-1",
                    "Ошибка выполнения запроса: Недопустимое сравнение значений неограниченной длины "
                    f"(поле {f.name}). Используйте ПОДОБНО (substringof, like)",
                )
    if kind == "path":
        # a lambda (any/all) over a tabular section: its body sees the row's fields under the variable
        children = tree.children
        for k, seg in enumerate(children):
            if isinstance(seg, Tree) and str(seg.data) in ("any_", "all_") and k > 0:
                before = children[k - 1]
                table = str(before.children[0]) if isinstance(before, Tree) else str(before)
                cols = scope.tables.get(table)
                if cols is not None:
                    row_scope = _row_scope(row_fields(cols))
                    check_comparisons(seg.children[1], scope, {**vars_, str(seg.children[0]): row_scope})
        return
    for child in tree.children:
        if isinstance(child, Tree):
            check_comparisons(child, scope, vars_)


__all__ = ["check_comparisons"]
