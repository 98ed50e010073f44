"""When EventBridge Scheduler next starts a run: its ``cron(...)`` and ``rate(...)`` expressions.

Scheduler's cron has six fields (minutes hours day-of-month month day-of-week year) in the
schedule's time zone; day-of-week counts 1 = SUN to 7 = SAT, one of the two day fields is ``?``,
and ``L`` (last), ``W`` (nearest weekday) and ``#`` (nth weekday) refine the day fields. A
``rate(...)`` schedule has no fixed phase that the API tells, so only its period is known.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
SEARCH_DAYS = 366 * 5
"""How far ahead a cron is searched; beyond it (a past year, 29 FEB on a Monday) there is no next run."""


class ScheduleExpressionError(ValueError):
    """An expression this module cannot read."""


def _number(token: str, names: dict[str, int]) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ScheduleExpressionError(f"{token!r} is not a number or a name")
    return int(token)


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The numbers a plain field (``*``, lists, ranges, steps) allows."""
    names = names or {}
    allowed: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _number(step_text, {})
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise ScheduleExpressionError(f"{part!r} is outside {low}-{high}")
        # A range may wrap around, such as FRI-MON.
        sequence = list(range(start, end + 1)) if start <= end else [*range(start, high + 1), *range(low, end + 1)]
        allowed.update(sequence[::step])
    return frozenset(allowed)


def _weekday(day: date) -> int:
    """Scheduler's day-of-week number: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int] | None

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise ScheduleExpressionError(f"cron needs 6 fields (minutes hours day month weekday year), got {body!r}")
        minutes, hours, dom, month, dow, year = fields
        return cls(
            minutes=_values(minutes, 0, 59),
            hours=_values(hours, 0, 23),
            day_of_month=dom.upper(),
            months=_values(month, 1, 12, {k.upper(): v for k, v in _MONTHS.items()}),
            day_of_week=dow.upper(),
            years=None if year in ("*", "?") else _values(year, 1970, 2199),
        )

    def _day_of_month_matches(self, day: date) -> bool:
        field = self.day_of_month
        if field in ("*", "?"):
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        if field == "L":
            return day.day == last
        if field.startswith("L-"):
            return day.day == last - int(field[2:])
        if field == "LW":
            return day == _nearest_weekday(day.year, day.month, last)
        if field.endswith("W"):
            return day == _nearest_weekday(day.year, day.month, min(int(field[:-1]), last))
        return day.day in _values(field, 1, 31)

    def _day_of_week_matches(self, day: date) -> bool:
        field = self.day_of_week
        if field in ("*", "?"):
            return True
        weekday = _weekday(day)
        if "#" in field:
            wanted, nth = field.split("#", 1)
            return weekday == _number(wanted, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        if field.endswith("L") and field != "L":
            last = calendar.monthrange(day.year, day.month)[1]
            return weekday == _number(field[:-1], _DAYS) and day.day > last - 7
        return weekday in _values(field, 1, 7, _DAYS)

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        return self._day_of_month_matches(day) and self._day_of_week_matches(day)

    def next_after(self, moment: datetime, zone: ZoneInfo) -> datetime | None:
        local = moment.astimezone(zone)
        day = local.date()
        for _ in range(SEARCH_DAYS):
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone)
                        if candidate > local:
                            return candidate.astimezone(UTC)
            day += timedelta(days=1)
        return None


def _nearest_weekday(year: int, month: int, day_number: int) -> date:
    day = date(year, month, day_number)
    if day.weekday() == 5:  # Saturday: Friday, unless that leaves the month
        return day - timedelta(days=1) if day_number > 1 else day + timedelta(days=2)
    if day.weekday() == 6:  # Sunday: Monday, unless that leaves the month
        last = calendar.monthrange(year, month)[1]
        return day + timedelta(days=1) if day_number < last else day - timedelta(days=2)
    return day


@dataclass(frozen=True)
class NextRun:
    """What a schedule says about its next run."""

    expression: str
    timezone: str
    at: datetime | None
    period_seconds: float | None
    """Time between two runs (for a cron, between its next two); None when unknown."""


def next_run(expression: str, timezone: str, now: datetime) -> NextRun:
    """The next start of ``expression`` after ``now``; raise ScheduleExpressionError if unreadable."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        unit = rate.group(2).rstrip("s")
        return NextRun(expression, timezone, None, int(rate.group(1)) * _UNIT_SECONDS[unit])
    if expression.startswith("at(") and expression.endswith(")"):
        at = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=_zone(timezone)).astimezone(UTC)
        return NextRun(expression, timezone, at if at > now else None, None)
    if not (expression.startswith("cron(") and expression.endswith(")")):
        raise ScheduleExpressionError(f"not a cron(...), rate(...) or at(...) expression: {expression!r}")
    cron = Cron.parse(expression[5:-1])
    zone = _zone(timezone)
    first = cron.next_after(now, zone)
    second = cron.next_after(first, zone) if first else None
    period = (second - first).total_seconds() if first and second else None
    return NextRun(expression, timezone, first, period)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleExpressionError(f"unknown time zone {name!r}") from exc
