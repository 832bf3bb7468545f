import datetime
import zoneinfo

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, day=24):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)
