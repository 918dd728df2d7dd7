"""Typed errors of the SalesDrive client and of payload parsing.

Kept free of heavy imports (no httpx, no pydantic): the webhook receiver imports ``NotAnOrder`` on its hot
path and must stay fast to cold-start.
"""

from __future__ import annotations


class NotAnOrder(ValueError):
    """A payload that cannot be a SalesDrive order; ``reason`` is fit to return to the sender (a 4xx)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SalesDriveError(Exception):
    """Any failure talking to SalesDrive. ``retryable`` tells a caller whether trying later can help."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        status_code: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(f"{endpoint}: {message}" if endpoint else message)
        self.message = message
        self.endpoint = endpoint
        self.status_code = status_code
        # Truncated: error bodies end up in logs and queue messages.
        self.body = body[:2000] if body else body


class SalesDriveAuthError(SalesDriveError):
    """The API key (or the legacy ``form`` key) was refused: ``{"message":"api key is invalid"}``."""


class SalesDriveBadRequest(SalesDriveError):
    """SalesDrive refused the request itself (4xx other than auth, not found and throttling)."""


class SalesDriveNotFound(SalesDriveError):
    """The endpoint or the object does not exist (404)."""


class SalesDriveRefused(SalesDriveError):
    """A 2xx answer whose body says the operation failed (``success:false``, ``status:"error"``…)."""


class SalesDriveThrottled(SalesDriveError):
    """SalesDrive's rate limit answered (429, or a 400 whose message mentions the limit)."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        endpoint: str | None = None,
        status_code: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, status_code=status_code, body=body)
        # Seconds to wait, when SalesDrive said so (``Retry-After``); None when it did not.
        self.retry_after = retry_after


class SalesDriveServerError(SalesDriveError):
    """A 5xx answer that persisted through the retries."""

    retryable = True


class SalesDriveTransportError(SalesDriveError):
    """Connection or read failure that persisted through the retries."""

    retryable = True


class SalesDriveProtocolError(SalesDriveError):
    """An answer the client cannot understand (not JSON where JSON is due, a missing key)."""


class SalesDriveOutcomeUnknown(SalesDriveError):
    """A non-idempotent write (order create) may or may not have happened; reconcile before retrying."""
