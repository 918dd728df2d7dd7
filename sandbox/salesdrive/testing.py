"""Helpers for tests that drive the emulator in process (recording webhook transport, ready clients)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .app import SalesDriveEmulator


@dataclass
class RecordingTransport:
    """A webhook transport that records every attempt; `answers` scripts the receiver's replies
    (an int status, or an exception instance to raise, e.g. TimeoutError()); then `default`."""

    answers: list[int | BaseException] = field(default_factory=list)
    default: int = 200
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.calls.append({"url": url, "body": json.loads(body), "headers": dict(headers)})
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, BaseException):
            raise answer
        return answer

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [c["body"] for c in self.calls]


def wsgi_transport(app: Callable[..., Any]) -> Callable[[str, bytes, dict[str, str]], int]:
    """Hand webhook bytes to another in-process WSGI app (e.g. the bridge's local gateway)."""
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://receiver")

    def send(url: str, body: bytes, headers: dict[str, str]) -> int:
        return client.post(httpx.URL(url).raw_path.decode(), content=body, headers=headers).status_code

    return send


def api_client(emulator: SalesDriveEmulator, *, api_key: str | None = None) -> httpx.Client:
    """An httpx client talking to the emulator in process, authenticated with the account's X-Api-Key."""
    key = emulator.config.api_key if api_key is None else api_key
    return httpx.Client(
        transport=httpx.WSGITransport(app=emulator),
        base_url=f"https://{emulator.config.account}.salesdrive.me",
        headers={"X-Api-Key": key} if key else {},
    )
