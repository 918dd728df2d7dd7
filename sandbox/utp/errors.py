"""1C's `odata.error` answers (docs/utp-odata.md)."""

from __future__ import annotations


class ODataError(Exception):
    """An error answered as `{"odata.error": {"code": …, "message": {"lang": "ru", "value": …}}}`."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str) -> ODataError:
    return ODataError(404, "9", f"Не найден объект: {what}")


def bad_segment(what: str) -> ODataError:
    return ODataError(400, "6", f"Неправильный адрес ресурса. Сегмент не найден: {what}")


def bad_query(message: str) -> ODataError:
    return ODataError(400, "14", f"Ошибка разбора параметра запроса: {message}")


def business(message: str) -> ODataError:
    return ODataError(500, "-1", message)
