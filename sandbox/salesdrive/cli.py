"""`python -m sandbox.salesdrive serve --port PORT`: a seeded SalesDrive account on loopback."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from sandbox.stopping import wait_until_stopped

from .app import create_app
from .config import SalesDriveEmulatorConfig
from .server import EmulatorServer

cli = typer.Typer(add_completion=False, help="SalesDrive emulator (sandbox; never deployed).")
console = Console()


@cli.callback()
def main() -> None:
    """SalesDrive emulator."""


@cli.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one")] = 8102,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    db: Annotated[str | None, typer.Option(help="SQLite file for the state (default: in memory)")] = None,
    throttle_shape: Annotated[
        str, typer.Option(help="429 (with Retry-After) or 400 (message mentions limit)")
    ] = "429",
    limit_window: Annotated[str, typer.Option(help="sliding or fixed")] = "sliding",
    webhook_url: Annotated[
        list[str] | None, typer.Option(help="Subscribe this URL to all events (repeatable)")
    ] = None,
    webhook_loss_rate: Annotated[float, typer.Option()] = 0.0,
    webhook_duplicate_rate: Annotated[float, typer.Option()] = 0.0,
    webhook_reorder_rate: Annotated[float, typer.Option()] = 0.0,
    webhook_delay_s: Annotated[float, typer.Option()] = 0.0,
    seed_products: Annotated[
        int, typer.Option(help="Number of seeded products (first 5 are hand-written)")
    ] = 5,
    random_seed: Annotated[int, typer.Option(help="Seed of the fault injection")] = 0,
    info_file: Annotated[
        str, typer.Option(help="Where to write url and credentials")
    ] = ".sandbox/salesdrive.json",
) -> None:
    config = SalesDriveEmulatorConfig.model_validate(
        {
            "db_path": db,
            "throttle_shape": throttle_shape,
            "limit_window": limit_window,
            "webhook_loss_rate": webhook_loss_rate,
            "webhook_duplicate_rate": webhook_duplicate_rate,
            "webhook_reorder_rate": webhook_reorder_rate,
            "webhook_delay_s": webhook_delay_s,
            "seed_products": seed_products,
            "random_seed": random_seed,
        }
    )
    emulator = create_app(config)
    existing = {s["url"] for s in emulator.subscriptions}
    for url in webhook_url or []:
        if url not in existing:  # a persisted state already holds its subscriptions
            emulator.subscribe(url)
    server = EmulatorServer(emulator, host=host, port=port).start()
    path = server.write_endpoint_file(info_file)
    console.print(
        f"SalesDrive emulator ({config.account}) on [bold]{server.url}[/bold]  X-Api-Key: {config.api_key}"
    )
    console.print(f"wrote {path}; control endpoints under {server.url}/__emulator__/; Ctrl-C to stop")
    print(server.url, flush=True)  # a plain line for scripts
    try:
        wait_until_stopped(0.5)
    finally:
        server.stop()
        emulator.close()
        console.print("stopped")
