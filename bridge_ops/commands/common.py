"""What every command shares: the exit codes, the global options (sandbox or stack), running on the
target with its errors turned into exit codes, the progress bar and compact JSON for table cells."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bridge_ops.target import Target, TargetError, activated, sandbox_target, stack_target

EXIT_FAILED = 1
EXIT_BUDGET = 3
EXIT_BLOCKED = 5


@dataclass
class Options:
    stack: str | None
    endpoints: Path
    region: str | None
    secrets_prefix: str
    console: Console
    _target: Target | None = field(default=None)

    def target(self) -> Target:
        if self._target is None:
            if self.stack:
                self._target = stack_target(self.stack, region=self.region)
            else:
                self._target = sandbox_target(self.endpoints, secrets_prefix=self.secrets_prefix)
        return self._target


def console_for_output() -> Console:
    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "160"))
    return Console(width=width, soft_wrap=False, highlight=False)


def options(ctx: typer.Context) -> Options:
    found = ctx.find_root().obj
    assert isinstance(found, Options)
    return found


def fail(console: Console, message: str, code: int = EXIT_FAILED) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextmanager
def on_target(ctx: typer.Context) -> Iterator[tuple[Target, Console]]:
    """The target's environment set for the bridge; any error becomes a message and an exit code."""
    opts = options(ctx)
    console = opts.console
    try:
        target = opts.target()
    except TargetError as exc:
        raise fail(console, str(exc)) from exc
    with activated(target):
        try:
            yield target, console
        except typer.Exit:
            raise
        except Exception as exc:
            from bridge.read_budget import ReadBudgetExhausted

            if isinstance(exc, ReadBudgetExhausted):
                raise budget_exhausted(console, exc) from exc
            raise fail(console, f"{type(exc).__name__}: {exc}") from exc


def budget_exhausted(console: Console, exc: Any) -> typer.Exit:
    console.print(
        f"[bold yellow]SalesDrive read budget exhausted[/] for {exc.consumer} ({exc.window}): "
        f"retry at {exc.retry_at:%Y-%m-%d %H:%M:%S %Z}"
    )
    return typer.Exit(EXIT_BUDGET)


def progress_bar(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def compact(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
