"""Go's time.Time, as much of it as notification templates use: `Format`, `Unix`, `UTC`.

`(call .time.Now).Format "2006-01-02T15:04:05Z07:00"` is the documented way to put a time in
a message; the layout is Go's reference-time notation, translated here chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Longest first within each leading character, as Go's nextStdChunk tries them.
_CHUNKS = (
    "January",
    "Jan",
    "Monday",
    "Mon",
    "MST",
    "2006",
    "002",
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "__2",
    "_2",
    "15",
    "-07:00:00",
    "-070000",
    "-07:00",
    "-0700",
    "-07",
    "Z07:00:00",
    "Z070000",
    "Z07:00",
    "Z0700",
    "Z07",
    "PM",
    "pm",
    "1",
    "2",
    "3",
    "4",
    "5",
)


@dataclass(frozen=True, slots=True)
class GoTime:
    moment: datetime

    def format(self, layout: str) -> str:
        parts: list[str] = []
        index = 0
        while index < len(layout):
            fraction = _fraction(layout, index)
            if fraction:
                parts.append(_fraction_text(self.moment, fraction))
                index += len(fraction)
                continue
            chunk = next((c for c in _CHUNKS if layout.startswith(c, index)), "")
            if chunk and not _inside_word(layout, index, chunk):
                parts.append(_chunk_text(self.moment, chunk))
                index += len(chunk)
            else:
                parts.append(layout[index])
                index += 1
        return "".join(parts)

    def unix(self) -> int:
        return int(self.moment.timestamp())

    def utc(self) -> GoTime:
        return GoTime(self.moment.astimezone(UTC))

    def string(self) -> str:
        return self.format("2006-01-02 15:04:05.999999999 -0700 MST")

    def method(self, name: str) -> Callable[..., object] | None:
        """The whitelisted methods a template may call; nothing else of the object is visible."""
        methods: dict[str, Callable[..., object]] = {
            "Format": self.format,
            "Unix": self.unix,
            "UTC": self.utc,
            "String": self.string,
        }
        return methods.get(name)


def _inside_word(layout: str, index: int, chunk: str) -> bool:
    """Go reads `Jan`/`Mon` only when not followed by a lower-case letter (`Monthly`)."""
    if chunk not in ("Jan", "Mon"):
        return False
    after = index + len(chunk)
    return after < len(layout) and layout[after].islower()


def _fraction(layout: str, index: int) -> str:
    if layout[index] not in ".," or index + 1 >= len(layout) or layout[index + 1] not in "09":
        return ""
    digit, end = layout[index + 1], index + 1
    while end < len(layout) and layout[end] == digit:
        end += 1
    if end < len(layout) and layout[end].isdigit():
        return ""
    return layout[index:end]


def _fraction_text(moment: datetime, fraction: str) -> str:
    digits = f"{moment.microsecond:06d}000"[: len(fraction) - 1]
    if fraction[1] == "9":
        digits = digits.rstrip("0")
        return fraction[0] + digits if digits else ""
    return fraction[0] + digits


def _offset(moment: datetime, chunk: str) -> str:
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    if chunk.startswith("Z") and seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    body = chunk.lstrip("Z-")
    colon = ":" if ":" in body else ""
    text = f"{sign}{hours:02d}"
    if len(body.replace(":", "")) >= 4:
        text += f"{colon}{minutes:02d}"
    if len(body.replace(":", "")) == 6:
        text += f"{colon}{secs:02d}"
    return text


def _chunk_text(moment: datetime, chunk: str) -> str:
    hour12 = moment.hour % 12 or 12
    simple: dict[str, str] = {
        "January": _MONTHS[moment.month - 1],
        "Jan": _MONTHS[moment.month - 1][:3],
        "Monday": _DAYS[moment.weekday()],
        "Mon": _DAYS[moment.weekday()][:3],
        "2006": f"{moment.year:04d}",
        "06": f"{moment.year % 100:02d}",
        "01": f"{moment.month:02d}",
        "1": str(moment.month),
        "02": f"{moment.day:02d}",
        "2": str(moment.day),
        "_2": f"{moment.day:2d}",
        "002": f"{moment.timetuple().tm_yday:03d}",
        "__2": f"{moment.timetuple().tm_yday:3d}",
        "15": f"{moment.hour:02d}",
        "03": f"{hour12:02d}",
        "3": str(hour12),
        "04": f"{moment.minute:02d}",
        "4": str(moment.minute),
        "05": f"{moment.second:02d}",
        "5": str(moment.second),
        "PM": "PM" if moment.hour >= 12 else "AM",
        "pm": "pm" if moment.hour >= 12 else "am",
    }
    if chunk in simple:
        return simple[chunk]
    if chunk == "MST":
        return moment.tzname() or "UTC"
    return _offset(moment, chunk)


def parse_rfc3339(text: str) -> GoTime:
    """What Argo's `.time.Parse` accepts: an RFC 3339 timestamp."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f'parsing time "{text}" as RFC 3339: cannot parse') from None
    if moment.tzinfo is None:
        raise ValueError(f'parsing time "{text}" as RFC 3339: missing time zone')
    return GoTime(moment)
