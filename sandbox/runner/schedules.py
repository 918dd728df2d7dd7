"""EventBridge schedules: fires scheduled functions at their ``rate(...)`` or ``cron(...)``.

Time runs ``speedup`` times faster for the schedules only (a ``rate(5 minutes)`` fires every 30 s at
speed-up 10); the events still carry the real time. ``fire_now()`` invokes a schedule at once, for demos
and tests. Cron expressions (EventBridge's six fields, UTC or the event's time zone) support numbers,
names, ``*``, ``?``, ranges, lists and steps; the forms ``L``, ``W`` and ``#`` are not computed: such a
schedule fires every ``cron_fallback_s`` (sandbox time) instead, with a warning at start-up.
Like EventBridge, a schedule does not fire when it is created, only when its time comes.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.runner.lambdas import FunctionRuntime, Invocation
from sandbox.runner.template import FunctionSpec, ScheduleSource

log = logging.getLogger("sandbox.runner.schedules")

_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_DAYS = {
    d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)
}  # EventBridge: 1 = Sunday


class UnsupportedCron(ValueError):
    pass


def rate_seconds(expression: str) -> float | None:
    m = re.fullmatch(r"rate\(\s*(\d+)\s+(\w+)\s*\)", expression.strip())
    if not m:
        return None
    unit = m.group(2).lower()
    if unit not in _UNITS:
        raise ValueError(f"{expression}: unknown unit {unit}")
    return int(m.group(1)) * _UNITS[unit]


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The values a cron field allows; None = any."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if any(c in part for c in "LW#"):
            raise UnsupportedCron(text)

        def number(token: str) -> int:
            return names[token.upper()] if names and token.upper() in names else int(token)

        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = number(a), number(b)
        else:
            start = number(part)
            end = high if step != 1 else start
        values.update(range(start, end + 1, step))
    return values


@dataclass(frozen=True)
class Cron:
    minutes: set[int] | None
    hours: set[int] | None
    days: set[int] | None
    months: set[int] | None
    weekdays: set[int] | None  # 1 = Sunday
    years: set[int] | None
    tz: ZoneInfo

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> Cron:
        m = re.fullmatch(r"cron\((.*)\)", expression.strip())
        if not m:
            raise ValueError(f"{expression}: not a cron expression")
        fields = m.group(1).split()
        if len(fields) != 6:
            raise ValueError(f"{expression}: EventBridge cron has six fields")
        return cls(
            _field(fields[0], 0, 59),
            _field(fields[1], 0, 23),
            _field(fields[2], 1, 31),
            _field(fields[3], 1, 12, _MONTHS),
            _field(fields[4], 1, 7, _DAYS),
            _field(fields[5], 1970, 2199),
            ZoneInfo(timezone),
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after ``moment`` (within five years), in UTC."""
        local = moment.astimezone(self.tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = local.replace(hour=0, minute=0)
        for _ in range(366 * 5):
            weekday = (day.weekday() + 1) % 7 + 1  # Python: Monday 0 → EventBridge: Sunday 1
            if (
                (self.years is None or day.year in self.years)
                and (self.months is None or day.month in self.months)
                and (self.days is None or day.day in self.days)
                and (self.weekdays is None or weekday in self.weekdays)
            ):
                for hour in sorted(self.hours) if self.hours is not None else range(24):
                    for minute in sorted(self.minutes) if self.minutes is not None else range(60):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= local:
                            return candidate.astimezone(UTC)
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None


def scheduled_event(
    function: FunctionSpec, source: ScheduleSource, *, region: str, account: str, when: datetime | None = None
) -> Any:
    """What the target receives: the event's Input if any, else the default notification."""
    when = when or datetime.now(UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    name = source.name or f"{function.function_name}-{source.event}"
    if source.kind == "ScheduleV2":
        arn = f"arn:aws:scheduler:{region}:{account}:schedule/default/{name}"
        if source.input is not None:
            # EventBridge Scheduler's context attributes, substituted in the Input text.
            text = (
                source.input.replace("<aws.scheduler.schedule-arn>", arn)
                .replace("<aws.scheduler.scheduled-time>", stamp)
                .replace("<aws.scheduler.execution-id>", str(uuid.uuid4()))
                .replace("<aws.scheduler.attempt-number>", "1")
            )
            return json.loads(text)
        return _notification("aws.scheduler", arn, "{}", region=region, account=account, stamp=stamp)
    if source.input is not None:
        return json.loads(source.input)
    rule = f"arn:aws:events:{region}:{account}:rule/{name}"
    return _notification("aws.events", rule, {}, region=region, account=account, stamp=stamp)


def _notification(source: str, resource: str, detail: Any, *, region: str, account: str, stamp: str) -> Any:
    """The default "Scheduled Event" notification of ``source`` (EventBridge Scheduler gives its
    detail as the text "{}", an EventBridge rule as an empty object)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": source,
        "account": account,
        "time": stamp,
        "region": region,
        "resources": [resource],
        "detail": detail,
    }


class _Timer:
    def __init__(self, function: FunctionSpec, source: ScheduleSource, cron_fallback_s: float) -> None:
        self.function = function
        self.source = source
        self.rate = rate_seconds(source.expression)
        self.cron: Cron | None = None
        if self.rate is None:
            try:
                self.cron = Cron.parse(source.expression, source.timezone)
            except UnsupportedCron:
                log.warning(
                    "%s: %s is not computed locally; fires every %.0f s",
                    self.key,
                    source.expression,
                    cron_fallback_s,
                )
                self.rate = cron_fallback_s

    @property
    def key(self) -> str:
        return f"{self.function.logical_id}.{self.source.event}"

    def next_due(self, virtual_now: datetime) -> datetime:
        if self.rate is not None:
            return virtual_now + timedelta(seconds=self.rate)
        assert self.cron is not None
        due = self.cron.next_after(virtual_now)
        return due if due is not None else virtual_now + timedelta(days=3650)


class Scheduler:
    """Fires the template's enabled schedules (one thread for all of them)."""

    def __init__(
        self, runtime: FunctionRuntime, *, speedup: float = 1.0, cron_fallback_s: float = 300.0
    ) -> None:
        if speedup <= 0:
            raise ValueError("speedup must be positive")
        self.runtime = runtime
        self.speedup = speedup
        self._timers = {
            t.key: t
            for t in (
                _Timer(f, s, cron_fallback_s) for f in runtime.model.functions.values() for s in f.schedules
            )
        }
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_real = time.monotonic()
        self._start_virtual = datetime.now(UTC)
        self._due: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}

    @property
    def schedules(self) -> list[str]:
        """Keys ``Function.Event`` of every schedule, enabled or not."""
        return list(self._timers)

    def rate_of(self, key: str) -> float | None:
        return self._timers[key].rate

    def virtual_now(self) -> datetime:
        return self._start_virtual + timedelta(seconds=(time.monotonic() - self._start_real) * self.speedup)

    def fire_now(self, key: str) -> Invocation:
        """Invoke the schedule ``Function.Event`` (or a function's only schedule) at once, in this thread."""
        timer = self._timers.get(key) or next(
            (t for t in self._timers.values() if t.function.logical_id == key), None
        )
        if timer is None:
            raise KeyError(f"no schedule {key}; known: {sorted(self._timers)}")
        model = self.runtime.model
        event = scheduled_event(timer.function, timer.source, region=model.region, account=model.account)
        return self.runtime.invoke(timer.function.logical_id, event, source="schedule")

    def fire_in_background(self, key: str) -> bool:
        """Fire a schedule as EventBridge does, asynchronously (its own thread), unless its previous run
        is still going (a function of reserved concurrency 1 would be throttled). Such background runs do
        not count as the stack's work in progress: a function that polls through its whole minute (the
        catalog watcher) would otherwise keep the sandbox busy for ever. False if it was still running."""
        timer = self._timers.get(key) or next(
            (t for t in self._timers.values() if t.function.logical_id == key), None
        )
        if timer is None:
            raise KeyError(f"no schedule {key}; known: {sorted(self._timers)}")
        with self._lock:
            running = self._running.get(timer.key)
            if running is not None and running.is_alive():
                return False
            model = self.runtime.model
            event = scheduled_event(timer.function, timer.source, region=model.region, account=model.account)
            thread = threading.Thread(
                target=self._background,
                args=(timer.function.logical_id, event),
                name=f"schedule-{timer.key}",
                daemon=True,
            )
            self._running[timer.key] = thread
            thread.start()
        return True

    def _background(self, logical_id: str, event: Any) -> None:
        try:
            self.runtime.invoke(logical_id, event, source="schedule", background=True)
        except Exception:
            log.exception("schedule of %s could not fire", logical_id)

    def start(self) -> None:
        now = self.virtual_now()
        self._due = {k: t.next_due(now) for k, t in self._timers.items() if t.source.enabled}
        if not self._due:
            return
        self._thread = threading.Thread(target=self._run, name="sandbox-schedules", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = self.virtual_now()
            for key, due in sorted(self._due.items(), key=lambda kv: kv[1]):
                if due <= now and not self._stop.is_set():
                    self._due[key] = self._timers[key].next_due(max(now, due))
                    try:
                        if self._timers[key].function.timeout_s > 60 and self.rate_of(key) == 60:
                            # A function that works through its whole minute runs alongside the others.
                            self.fire_in_background(key)
                        else:
                            self.fire_now(key)
                    except Exception:  # the invocation records handler errors; this is the runner's own
                        log.exception("schedule %s could not fire", key)
            wait = (min(self._due.values()) - self.virtual_now()).total_seconds() / self.speedup
            self._stop.wait(min(max(wait, 0.01), 1.0))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for thread in list(self._running.values()):
            thread.join(timeout=5)
