"""Serving the emulator over real HTTP (a thread), for the CLI and for the local sandbox runner."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from .app import SalesDriveEmulator


class EmulatorServer:
    """`EmulatorServer(emulator, port=0).start()` serves on a free port; webhooks go out in the background."""

    def __init__(self, emulator: SalesDriveEmulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._server: BaseWSGIServer = make_server(host, port, emulator, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="salesdrive-http", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread.start()
        self.emulator.start_background_delivery()
        return self

    def stop(self) -> None:
        self.emulator.stop_background_delivery()
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()

    def endpoint_info(self) -> dict[str, Any]:
        cfg = self.emulator.config
        return {
            "url": self.url,
            "api_key": cfg.api_key,
            "account": cfg.account,
            "form_key": cfg.form_key,
            "yml_public_key": cfg.yml_public_key,
            "yml_url": f"{self.url}/export/yml/export.yml?publicKey={cfg.yml_public_key}",
            "control_url": f"{self.url}/__emulator__/",
        }

    def write_endpoint_file(self, path: str | Path = ".sandbox/salesdrive.json") -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.endpoint_info(), indent=2), encoding="utf-8")
        tmp.replace(target)  # atomic: a reader never sees half a file
        return target
