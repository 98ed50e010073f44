"""How the engine writes values: times, durations, settings, booleans, date-math names, version ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any


def now() -> datetime:
    return datetime.now(UTC)


def millis(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp() * 1000)


def iso(moment: datetime | None) -> str:
    moment = moment or datetime.fromtimestamp(0, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def time_value(millis: int) -> str:
    """The engine's TimeValue.toString(): ``500ms``, ``3.4s``, ``1.5m``, ``2h``."""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if millis >= size:
            text = f"{millis / size:.1f}".removesuffix(".0")
            return f"{text}{unit}"
    return f"{millis}ms"


def as_setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_pattern(name: str) -> bool:
    return "*" in name


def version_id(engine: str, version: str) -> int:
    parts = ([int(p) for p in re.findall(r"\d+", version)[:3]] + [0, 0, 0])[:3]
    raw = parts[0] * 1_000_000 + parts[1] * 10_000 + parts[2] * 100 + 99
    return raw ^ 0x08000000 if engine == "opensearch" else raw


_JAVA_FORMAT = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"))
_DATE_MATH = re.compile(
    r"\{now(?P<math>(?:[+-]\d+[yMwdhHms])*)(?:/(?P<round>[yMwdhHms]))?(?:\{(?P<fmt>[^}|]*)[^}]*\})?\}"
)


def resolve_date_math(expression: str, now: datetime) -> str:
    """``nightly-{now/d}`` -> ``nightly-2024.03.05`` (UTC), as IndexNameExpressionResolver does."""

    def substitute(match: re.Match[str]) -> str:
        moment = now.astimezone(UTC)
        for sign, amount, unit in re.findall(r"([+-])(\d+)([yMwdhHms])", match.group("math") or ""):
            delta = int(amount) * (-1 if sign == "-" else 1)
            moment += {
                "w": timedelta(weeks=delta),
                "d": timedelta(days=delta),
                "h": timedelta(hours=delta),
                "H": timedelta(hours=delta),
                "m": timedelta(minutes=delta),
                "s": timedelta(seconds=delta),
            }.get(unit, timedelta())
        rounding = match.group("round")
        if rounding in ("d", "M", "y", "h", "H", "m"):
            moment = moment.replace(second=0, microsecond=0)
            if rounding in ("d", "M", "y", "h", "H"):
                moment = moment.replace(minute=0)
            if rounding in ("d", "M", "y"):
                moment = moment.replace(hour=0)
            if rounding in ("M", "y"):
                moment = moment.replace(day=1)
            if rounding == "y":
                moment = moment.replace(month=1)
        fmt = match.group("fmt") or "yyyy.MM.dd"
        for java, python in _JAVA_FORMAT:
            fmt = fmt.replace(java, python)
        return moment.strftime(fmt)

    return _DATE_MATH.sub(substitute, expression)
