"""``python -m sandbox.runner up``: the whole system on loopback until Ctrl-C (``make sandbox``).
``python -m sandbox.runner demo``: the same, then the demo scenario (``sandbox.runner.demo.run_demo``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from sandbox.runner.demo import run_demo
from sandbox.runner.product import ROOT, BridgeSandboxConfig, build_stack
from sandbox.stopping import wait_until_stopped


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.runner", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("up", "run the sandbox until interrupted"), ("demo", "run the demo scenario")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--template", type=Path, default=ROOT / "template.yaml")
        p.add_argument("--state-dir", type=Path, default=ROOT / ".sandbox")
        p.add_argument("--port", type=int, default=0, help="gateway port (default: a free one)")
        p.add_argument("--aws-port", type=int, default=0, help="moto port (default: a free one)")
        p.add_argument("--utp-url", help="use a UTP emulator already running there instead of serving one")
        p.add_argument("--salesdrive-url", help="use a SalesDrive emulator already running there")
        p.add_argument("--speedup", type=float, default=1.0, help="schedules run this many times faster")
        p.add_argument(
            "--visibility-timeout",
            type=int,
            default=None,
            help="seconds before a failed deal event is retried (default: the template's)",
        )
        p.add_argument(
            "--settings", type=Path, help="the bridge settings JSON (default: matches the emulators)"
        )
        p.add_argument("-v", "--verbose", action="store_true", help="log every AWS request too")
    return parser


def _config(args: argparse.Namespace) -> BridgeSandboxConfig:
    config = BridgeSandboxConfig(
        template=args.template,
        state_dir=args.state_dir,
        utp_url=args.utp_url,
        salesdrive_url=args.salesdrive_url,
        deal_visibility_timeout_s=args.visibility_timeout,
        schedule_speedup=args.speedup,
        gateway_port=args.port,
        aws_port=args.aws_port,
    )
    if args.settings:
        config.settings = json.loads(args.settings.read_text(encoding="utf-8"))
    return config


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # moto's request lines and the readiness probes drown the rest.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)
    stack = build_stack(_config(args))
    stack.start()
    try:
        print(json.dumps(stack.endpoints, indent=2, ensure_ascii=False))
        if args.command == "demo":
            return run_demo(stack)
        print("sandbox is up; Ctrl-C stops it", file=sys.stderr)
        wait_until_stopped(1.0)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
