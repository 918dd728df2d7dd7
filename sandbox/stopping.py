"""How a sandbox server's command line waits: until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading


def wait_until_stopped(poll_s: float) -> None:
    """Blocks until the process gets SIGTERM or Ctrl-C (checked every ``poll_s`` seconds)."""
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(poll_s):
            pass
    except KeyboardInterrupt:
        pass
