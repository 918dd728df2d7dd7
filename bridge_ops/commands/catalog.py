"""``match-skus`` and ``catalog-push``: SKU matching and the catalog push (``bridge.sync.sku_matching``,
``bridge.sync.catalog_push``) run in process against the target, with progress counted as items pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bridge_ops.commands.common import EXIT_FAILED, compact, fail, on_target, progress_bar
from bridge_ops.target import Target


def counted(items: Iterable[Any], tick: Callable[[int], None]) -> Iterator[Any]:
    for item in items:
        tick(1)
        yield item


class CountingUtp:
    """Passes everything to the UTP client; counts the products a paged read yields."""

    def __init__(self, utp: Any, tick: Callable[[int], None]) -> None:
        self._utp = utp
        self._tick = tick

    def iter_products(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return counted(self._utp.iter_products(*args, **kwargs), self._tick)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._utp, name)


class CountingSalesDrive:
    """Passes everything to the SalesDrive client; counts the products each push sends."""

    def __init__(self, salesdrive: Any, tick: Callable[[int], None]) -> None:
        self._salesdrive = salesdrive
        self._tick = tick

    def push_products(self, products: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        items = list(products)
        try:
            return self._salesdrive.push_products(items, *args, **kwargs)
        finally:
            self._tick(len(items))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._salesdrive, name)


class FullPushBlobs:
    """Fingerprints for a full push: nothing was pushed before (so everything goes), and what SalesDrive
    accepts is saved to the real store (``None``: kept in memory only)."""

    def __init__(self, real: Any | None) -> None:
        self._real = real
        self.saved: bytes | None = None

    def load(self) -> bytes | None:
        return None

    def save(self, data: bytes) -> None:
        self.saved = data
        if self._real is not None:
            self._real.save(data)


class MemoryBlobs:
    """Fingerprints kept in memory, for a target without a catalog bucket."""

    def __init__(self) -> None:
        self.data: bytes | None = None

    def load(self) -> bytes | None:
        return self.data

    def save(self, data: bytes) -> None:
        self.data = data


# -- match-skus ------------------------------------------------------------------------------------------


def match_skus(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and report; write nothing.")] = False,
    yml_key: Annotated[
        str | None,
        typer.Option("--yml-key", help="SalesDrive YML key (default: the secret salesdrive-yml-key)."),
    ] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Also write the full report as CSV.")] = None,
) -> None:
    """Link SalesDrive and UTP products by SKU, export UTP-only products, replay parked orders."""
    with on_target(ctx) as (target, console):
        key = yml_key or _secret_or_none("salesdrive-yml-key") or target.yml_key_fallback
        if not key:
            raise fail(
                console, "no YML key: store salesdrive-yml-key under the secrets prefix or pass --yml-key"
            )
        with progress_bar(console) as progress:
            report = _match(progress, key, dry_run)
        _print_match_report(console, report)
        if csv_file is not None and hasattr(report, "to_csv"):
            csv_file.write_text(report.to_csv(), encoding="utf-8")
            console.print(f"full report written to {csv_file}")


def _match(progress: Progress, yml_key: str, dry_run: bool) -> Any:
    from bridge import jobs, runtime
    from bridge.sync.sku_matching import match_skus as match

    offers_task = progress.add_task("SalesDrive feed offers", total=None)
    products_task = progress.add_task("UTP products", total=None)
    ids_task = progress.add_task("SalesDrive IDs written to UTP cards", total=None)
    salesdrive = runtime.salesdrive_client()
    utp: Any = CountingUtp(runtime.utp_client(), lambda n: progress.advance(products_task, n))  # a proxy
    return match(
        offers=counted(salesdrive.yml_products(yml_key), lambda n: progress.advance(offers_task, n)),
        utp=utp,
        salesdrive=salesdrive,
        store=runtime.deal_store(),
        settings=runtime.settings(),
        dry_run=dry_run,
        cursors=runtime.cursors(),
        progress=lambda done, total: progress.update(ids_task, completed=done, total=total),
        replay=lambda: jobs.replay_parked().replayed,
    )


def _secret_or_none(name: str) -> str | None:
    from bridge import runtime

    try:
        return runtime.secret(name)
    except Exception:
        return None


def _print_match_report(console: Console, report: Any) -> None:
    summary = getattr(report, "summary", {}) or {}
    table = Table(title="SKU matching " + ("(dry run: nothing written)" if report.dry_run else "(applied)"))
    table.add_column("status")
    table.add_column("products", justify="right")
    for status, count in summary.items():
        table.add_row(str(status), str(count))
    console.print(table)
    needs_a_person = [r for r in getattr(report, "rows", []) if r.status in ("ambiguous", "failed")]
    if needs_a_person:
        detail = Table(title="Needs a person")
        for column in ("status", "SKU", "SalesDrive", "UTP code", "note"):
            detail.add_column(column)
        for row in needs_a_person[:50]:
            detail.add_row(
                row.status, row.sku, ",".join(row.salesdrive_ids), ",".join(row.utp_codes), row.note
            )
        console.print(detail)
    console.print(_match_summary(report, summary))


def _match_summary(report: Any, summary: dict[str, int]) -> str:
    replayed = getattr(report, "replayed_orders", [])
    pending, left = getattr(report, "id_pending", 0), getattr(report, "id_left", 0)
    ids = ""
    if pending and not report.dry_run:
        ids = f"; SalesDrive ID on {pending - left} of {pending} UTP card(s) that needed it"
        ids += f", {left} left for the next run (paced)" if left else ""
    return (
        f"[bold]{sum(summary.values())} SKU(s)[/]: "
        + ", ".join(f"{v} {k}" for k, v in summary.items() if v)
        + f"; {getattr(report, 'utp_writes', 0)} UTP write(s), "
        f"{getattr(report, 'salesdrive_calls', 0)} SalesDrive call(s)"
        + ids
        + (f"; parked orders replayed: {', '.join(map(str, replayed))}" if replayed else "")
        + (". Dry run: nothing was written." if report.dry_run else ".")
    )


# -- catalog-push ----------------------------------------------------------------------------------------


def catalog_push(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full/--changed",
            help="--full: send every product, price and stock figure (ignore what SalesDrive last got); "
            "--changed: only the changes, like the schedule.",
        ),
    ] = False,
) -> None:
    """Push the catalog (products, prices, free stock) from UTP to SalesDrive now, in process."""
    with on_target(ctx) as (target, console):
        for note in target.notes:
            console.print(f"[dim]note: {note}[/]")
        with progress_bar(console) as progress:
            report = _push(progress, target, full)
        data = report.as_dict() if hasattr(report, "as_dict") else dict(vars(report))
        _print_push(console, data, full)
        if not data.get("complete"):
            raise typer.Exit(EXIT_FAILED)


def _push(progress: Progress, target: Target, full: bool) -> Any:
    from bridge import runtime
    from bridge.store.bucket import CatalogFingerprintStore
    from bridge.sync.catalog_push import push_catalog, read_catalog
    from bridge.sync.stock import stock_warehouses

    settings = runtime.settings()
    reference = runtime.utp_reference()
    warehouses = stock_warehouses(settings, reference.warehouse_names)
    bucket = target.environment.get("CATALOG_BUCKET")
    real_store: Any = CatalogFingerprintStore(bucket) if bucket else None
    store: Any = FullPushBlobs(real_store) if full else (real_store or MemoryBlobs())
    reading = progress.add_task("reading the UTP catalog", total=None)
    snapshot = read_catalog(
        runtime.utp_client(),
        settings=settings,
        price_type_key=reference.price_type_key,
        warehouses=warehouses,
    )
    progress.update(reading, total=1, completed=1)
    sending = progress.add_task("products sent to SalesDrive", total=None)
    salesdrive: Any = CountingSalesDrive(runtime.salesdrive_client(), lambda n: progress.advance(sending, n))
    return push_catalog(
        utp=runtime.utp_client(),
        salesdrive=salesdrive,
        store=store,
        settings=settings,
        price_type_key=reference.price_type_key,
        warehouses=warehouses,
        cursors=runtime.cursors(),
        now=datetime.now(UTC),
        snapshot=snapshot,
    )


def _print_push(console: Console, data: dict[str, Any], full: bool) -> None:
    skipped = data.pop("skipped", []) or []
    table = Table(title=f"Catalog push ({'full' if full else 'changes only'})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in data.items():
        table.add_row(name, str(value))
    console.print(table)
    if skipped:
        console.print(f"[yellow]{len(skipped)} product(s) skipped[/], e.g.: " + compact(skipped[:5], 400))
    state = "[green]complete[/]" if data.get("complete") else f"[yellow]partial[/] ({data.get('stopped')})"
    console.print(
        f"[bold]catalog push {state}[/]: {data.get('products', 0)} product(s) read, "
        f"{data.get('changed', 0)} sent in {data.get('salesdrive_calls', 0)} SalesDrive call(s), "
        f"{data.get('failed_batches', 0)} failed batch(es)."
    )
