"""CLI: `python -m sandbox.utp serve --port 8101` and `python -m sandbox.utp seed --db big.sqlite`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .app import UtpEmulatorConfig, create_app


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _seed(args) if args.command == "seed" else _serve(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.utp", description="1C UTP OData emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the emulated base over HTTP")
    serve.add_argument("--port", type=int, default=8101, help="0 = any free port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--db", default=":memory:", help="SQLite file (persists) or :memory:")
    serve.add_argument("--products", type=int, default=2000)
    serve.add_argument("--warehouses", type=int, default=3)
    serve.add_argument("--latency-ms", type=int, default=0)
    serve.add_argument("--fault-rate", type=float, default=0.0)
    serve.add_argument("--base", default="utp")
    serve.add_argument("--user", default="bridge")
    serve.add_argument("--password", default="bridge")
    serve.add_argument(
        "--on-save-url",
        default=None,
        help="emulate the admin's on-save event subscription: POST a JSON here after each catalog change",
    )
    seed = sub.add_parser("seed", help="build a (large) seeded base in a SQLite file")
    seed.add_argument("--db", required=True)
    seed.add_argument("--products", type=int, default=200_000)
    seed.add_argument("--warehouses", type=int, default=10)
    seed.add_argument("--random-seed", type=int, default=42)
    return parser


def _seed(args: argparse.Namespace) -> int:
    if Path(args.db).exists():
        print(f"{args.db} exists; remove it first", file=sys.stderr)
        return 2
    started = time.perf_counter()
    create_app(
        UtpEmulatorConfig(
            db_path=args.db,
            products=args.products,
            warehouses=args.warehouses,
            random_seed=args.random_seed,
        )
    )
    took = time.perf_counter() - started
    print(f"seeded {args.products} products × {args.warehouses} warehouses in {took:.1f} s → {args.db}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    config = UtpEmulatorConfig(
        db_path=args.db,
        products=args.products,
        warehouses=args.warehouses,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        base_name=args.base,
        user=args.user,
        password=args.password,
        on_save_url=args.on_save_url,
    )
    app = create_app(config)
    server = make_server(args.host, args.port, app, threaded=True)
    url = f"http://{args.host}:{server.server_port}/{config.base_name}/odata/standard.odata"
    out = Path(".sandbox")
    out.mkdir(exist_ok=True)
    (out / "utp.json").write_text(
        json.dumps(
            {"url": url, "user": config.user, "password": config.password}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    print(url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
