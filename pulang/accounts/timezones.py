"""Time zones offered to users: the region's first, then every other IANA zone."""

from __future__ import annotations

import functools
import zoneinfo

REGIONAL_TIME_ZONES = (
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
    "Asia/Manila",
    "Asia/Ho_Chi_Minh",
    "Asia/Phnom_Penh",
    "Asia/Vientiane",
    "Asia/Yangon",
    "Asia/Bangkok",
    "Asia/Kuala_Lumpur",
    "Asia/Singapore",
    "Asia/Brunei",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Riyadh",
    "Asia/Dubai",
    "Asia/Qatar",
    "Asia/Kuwait",
    "UTC",
)


@functools.cache
def time_zone_choices() -> tuple[str, ...]:
    others = sorted(zoneinfo.available_timezones() - set(REGIONAL_TIME_ZONES))
    return REGIONAL_TIME_ZONES + tuple(z for z in others if "/" in z)


def is_known_time_zone(name: str) -> bool:
    return name in time_zone_choices()
