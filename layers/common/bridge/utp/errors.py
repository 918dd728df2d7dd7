"""Typed errors of the UTP (1C OData) client.

Catch the narrowest one you can act on: transport (``UtpOutcomeUnknownError`` = a write may have been
applied: find before creating again), protocol (not 1C OData), and ``UtpODataError`` subclasses mapped
from 1C's error codes (each class names its code). ``retryable`` says whether repeating the *same
idempotent* request may help; the client decides whether the request is idempotent.
"""

from __future__ import annotations


class UtpError(Exception):
    """Base of every error raised by ``bridge.utp``."""

    retryable: bool = False

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" [{self.method} {self.path}]" if self.method else ""
        return f"{self.message}{where}"


class UtpTransportError(UtpError):
    """Connection refused/reset, DNS, timeout: no HTTP answer."""

    retryable = True


class UtpOutcomeUnknownError(UtpTransportError):
    """A non-idempotent request (POST/PATCH/DELETE/Post) was sent and no answer came back.

    1C may or may not have applied it; the caller must look the object up (by its marker) before
    trying again. Never retried by the client.
    """

    retryable = False


class UtpProtocolError(UtpError):
    """The answer is not what 1C OData sends (HTML, wrong Content-Type, unparseable JSON)."""


class UtpODataError(UtpError):
    """1C answered with an error status; ``code`` is the ``odata.error`` code (None if absent)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return f"HTTP {self.status} code={self.code}: {super().__str__()}"


class UtpNotFoundError(UtpODataError):
    """Entity (or entity set) not found: code 9 / HTTP 404."""


class UtpBadRequestError(UtpODataError):
    """The request is wrong; repeating it cannot help."""


class UtpBadQueryError(UtpBadRequestError):
    """Code 14: a query option (usually ``$filter``) does not parse."""


class UtpDuplicateKeyError(UtpBadRequestError):
    """Code 15: a record with this key already exists (independent register POST)."""


class UtpAccessError(UtpODataError):
    """Code 20 or HTTP 401/403: wrong credentials or missing rights of the 1C user."""


class UtpBusinessRefusal(UtpODataError):
    """Code -1 (HTTP 500): 1C refused the operation (posting check, write handler).

    The message is 1C's own text and is meant for a person. Never retried blindly: the data must
    change first.
    """


class UtpServerError(UtpODataError):
    """Other 5xx: a proxy/IIS/1C hiccup. Retryable for idempotent requests."""

    retryable = True


# 1C internal codes of an ``odata.error`` body → the class to raise (docs/utp-odata.md).
_CODE_MAP: dict[str, type[UtpODataError]] = {
    "9": UtpNotFoundError,
    "14": UtpBadQueryError,
    "15": UtpDuplicateKeyError,
    "20": UtpAccessError,
    "-1": UtpBusinessRefusal,
}


def error_for(
    status: int, code: str | None, message: str, *, method: str = "", path: str = ""
) -> UtpODataError:
    """The typed error for an HTTP status and a 1C ``odata.error`` code."""
    cls: type[UtpODataError]
    if code == "-1" and method.upper() == "GET":
        # A read is never refused by posting logic: -1 on a GET is 1C's internal error, worth a retry.
        cls = UtpServerError
    elif code is not None and code in _CODE_MAP:
        cls = _CODE_MAP[code]
    elif status in (401, 403):
        cls = UtpAccessError
    elif status == 404:
        cls = UtpNotFoundError
    elif 400 <= status < 500:
        cls = UtpBadRequestError
    else:
        cls = UtpServerError
    return cls(message, status=status, code=code, method=method, path=path)
