"""VTIMEZONE components (RFC 5545 §3.6.5) written as Thunderbird and Outlook write them: yearly rules.

Outlook ignores RDATE and guesses a yearly rule from a sub-component's first onset, so a zone with daylight
saving is written as a STANDARD and a DAYLIGHT sub-component, each with its rule's first onset (DTSTART, in the
wall time before the change), the offsets and the name, and an RRULE (FREQ=YEARLY;BYMONTH=..;BYDAY=..). A zone
whose rules changed within the years covered gets one sub-component per era of a rule, ended by UNTIL; what
follows no yearly rule (a one-off change of offset, days set year by year) is written with RDATE. A zone
without daylight saving is one STANDARD sub-component without a rule.

Everything is read from zoneinfo: the changes within the years covered are found by looking at the zone's
offset every two days and narrowing down on each change (no two changes since 1970 are less than six days
apart in any zone); a rule is then checked against zoneinfo for each year before and after them that it claims.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import groupby
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

#: How far apart the zone's offset is looked at when searching for changes (narrowed down to the second).
STEP = int(timedelta(days=2).total_seconds())
#: Eras of a rule are followed back no further than this year, as Thunderbird's zones begin in 1970.
EARLIEST_YEAR = 1970
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The days a month's first, second, third and fourth weekday fall on or after (BYDAY=1SU ... 4SU).
NTH = (1, 8, 15, 22)
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class _State:
    """What a zone says at one moment: its offset from UTC, its daylight saving and its abbreviation."""

    offset: timedelta
    dst: timedelta
    name: str


def _state(tz: ZoneInfo, at: int) -> _State:
    moment = datetime.fromtimestamp(at, tz)
    return _State(moment.utcoffset(), moment.dst(), moment.tzname() or "")


@dataclass(frozen=True)
class _Change:
    """A change of the zone's offset, at `at` (seconds since the epoch, UTC). A change of its abbreviation or of
    its daylight saving alone changes no time, and is left out."""

    at: int
    before: _State
    after: _State

    @property
    def kind(self) -> tuple:
        """What sub-component the change begins: offsets, name and whether it is daylight saving time. A
        negative saving (Europe/Dublin's winter) counts as standard time, and the summer after it as daylight
        saving, as Thunderbird and Outlook show those zones."""
        daylight = self.after.dst > timedelta(0) or (self.after.dst == timedelta(0) and self.before.dst < timedelta(0))
        return (self.before.offset, self.after.offset, self.after.name, daylight)

    @property
    def onset(self) -> datetime:
        """The change in the wall time before it, as DTSTART and RDATE give it (02:00 for Europe's spring)."""
        return _EPOCH + timedelta(seconds=self.at) + self.before.offset


def _changes(tz: ZoneInfo, start: int, end: int) -> list[_Change]:
    """The zone's changes after `start` up to `end`."""
    found = []
    here, state = start, _state(tz, start)
    while here < end:
        there = min(here + STEP, end)
        later = _state(tz, there)
        if later.offset != state.offset:
            low, high = here, there  # the offset at low, another one at high: find the first second of it
            while high - low > 1:
                middle = (low + high) // 2
                if _state(tz, middle).offset == state.offset:
                    low = middle
                else:
                    high = middle
            found.append(_Change(high, state, _state(tz, high)))
            # Two changes within one step cannot happen (see the module's docstring); look on from the change.
            there, later = high, found[-1].after
        here, state = there, later
    return found


def _last_change_before(tz: ZoneInfo, end: int, earliest: int) -> _Change | None:
    """The change that made the zone what it is at `end`; None if there was none since `earliest`."""
    state, here = _state(tz, end), end
    while here > earliest:
        there = max(here - STEP, earliest)
        if _state(tz, there).offset != state.offset:
            return _changes(tz, there, here)[-1]
        here = there
    return None


@dataclass(frozen=True)
class _Rule:
    """A yearly day and wall time: the `weekday` on or after day `first` of `month` (`first` -1: the month's
    last `weekday`), or day `first` itself when `weekday` is None."""

    month: int
    clock: time
    weekday: int | None
    first: int

    def onset(self, year: int) -> datetime | None:
        """The rule's moment in `year`, in wall time; None if that year has no such day (a 29 February)."""
        if self.weekday is None:
            try:
                day = date(year, self.month, self.first)
            except ValueError:
                return None
        elif self.first == -1:
            day = date(year, self.month, monthrange(year, self.month)[1])
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        else:
            day = date(year, self.month, self.first)
            day += timedelta(days=(self.weekday - day.weekday()) % 7)
        return datetime.combine(day, self.clock)

    @property
    def preference(self) -> tuple:
        """The simplest of several rules that fit comes first: the nth weekday, the last one, a weekday on or
        after a day, a fixed day."""
        if self.weekday is None:
            return (3, self.first)
        if self.first == -1:
            return (1, 0)
        return (0 if self.first in NTH else 2, self.first)

    def recur(self) -> dict:
        """The rule as RRULE parts."""
        parts: dict = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if self.weekday is None:
            parts["BYMONTHDAY"] = self.first
        elif self.first == -1 or self.first in NTH:
            nth = -1 if self.first == -1 else NTH.index(self.first) + 1
            parts["BYDAY"] = f"{nth}{WEEKDAYS[self.weekday]}"
        else:
            parts["BYDAY"] = WEEKDAYS[self.weekday]
            parts["BYMONTHDAY"] = list(range(self.first, self.first + 7))
        return parts


def _rules(onset: datetime) -> set[_Rule]:
    """Every yearly rule that falls on this moment."""
    day, month, weekday, clock = onset.day, onset.month, onset.weekday(), onset.time()
    month_length = monthrange(onset.year, month)[1]
    shortest = 28 if month == 2 else month_length  # a rule's seven days lie within the month every year
    rules = {_Rule(month, clock, None, day)}
    rules |= {_Rule(month, clock, weekday, first) for first in range(max(1, day - 6), day + 1) if first + 6 <= shortest}
    if day + 7 > month_length:
        rules.add(_Rule(month, clock, weekday, -1))
    return rules


def _follows(tz: ZoneInfo, change: _Change, rules: set[_Rule], year: int) -> set[_Rule]:
    """Those of `rules` whose moment in `year` is a change like `change` in zoneinfo."""
    kept = set()
    for rule in rules:
        onset = rule.onset(year)
        if onset is None:
            continue
        at = int((onset - change.before.offset - _EPOCH).total_seconds())
        if _Change(at, _state(tz, at - 1), _state(tz, at)).kind == change.kind:
            kept.add(rule)
    return kept


@dataclass
class _Era:
    """Changes of one kind in successive years, on a rule that fits each of them (any of `rules`), which held
    since the year `since` (before the years looked at, or that of the first change) and maybe on after them."""

    changes: list[_Change]
    rules: set[_Rule]
    since: int
    open_ended: bool = False

    @property
    def rule(self) -> _Rule:
        return min(self.rules, key=lambda rule: rule.preference)

    @property
    def first_onset(self) -> datetime:
        return self.rule.onset(self.since)

    @property
    def regular(self) -> bool:
        """Whether the rule says more than one change."""
        return len(self.changes) > 1 or self.since < self.changes[0].onset.year or self.open_ended


def _eras(tz: ZoneInfo, changes: list[_Change]) -> tuple[list[_Era], list[_Change]]:
    """The changes as eras of yearly rules, followed back before the years looked at and on after them; and the
    changes that fit no rule."""
    eras, irregular = [], []
    for _kind, same in groupby(sorted(changes, key=lambda c: (c.kind, c.at)), key=lambda c: c.kind):
        runs: list[_Era] = []
        for change in same:
            run = runs[-1] if runs else None
            fitting = run.rules & _rules(change.onset) if run else set()
            if run and change.onset.year == run.changes[-1].onset.year + 1 and fitting:
                run.changes.append(change)
                run.rules = fitting
            else:
                runs.append(_Era([change], _rules(change.onset), change.onset.year))
        # The first era may have begun before the years looked at, the last one may go on after them.
        first, last = runs[0], runs[-1]
        while first.since > EARLIEST_YEAR and (earlier := _follows(tz, first.changes[0], first.rules, first.since - 1)):
            first.rules, first.since = earlier, first.since - 1
        if later := _follows(tz, last.changes[-1], last.rules, last.changes[-1].onset.year + 1):
            last.rules, last.open_ended = later, True
        for run in runs:
            if run.regular:
                eras.append(run)
            else:
                irregular += run.changes
    return eras, irregular


def _subcomponent(change: _Change, start: datetime, daylight: bool | None = None):
    daylight = change.kind[3] if daylight is None else daylight
    subcomponent = TimezoneDaylight() if daylight else TimezoneStandard()
    subcomponent.add("dtstart", start)
    subcomponent.add("tzoffsetfrom", change.before.offset)
    subcomponent.add("tzoffsetto", change.after.offset)
    subcomponent.add("tzname", change.after.name)
    return subcomponent


def _until(change: _Change) -> datetime:
    """The UTC time that ends an era's rule at its last change. RFC 5545 and ical.js read it as UTC; dateutil
    (vobject) compares it with the wall time as if that were UTC: the later of the two keeps that change for both."""
    return datetime.fromtimestamp(change.at, UTC) + max(change.before.offset, timedelta(0))


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The zone's VTIMEZONE, right for every moment from 1 January of `first_year` to the end of `last_year`."""
    tz = ZoneInfo(tzid)
    start = int((datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)).timestamp())
    end = int((datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)).timestamp())
    earliest = int(datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    changes = _changes(tz, start, end)
    began = _last_change_before(tz, start, earliest)  # what the zone is at the start, and since when
    if began is None:  # the same since 1970 at least: from then, as Thunderbird writes such zones
        state = _state(tz, start)
        subcomponents = [(_EPOCH, _subcomponent(_Change(earliest, state, state), _EPOCH, daylight=False))]
    elif not changes:  # no daylight saving: its standard time since it last changed, and no rule
        subcomponents = [(began.onset, _subcomponent(began, began.onset, daylight=False))]
    else:
        subcomponents = []
        changes.insert(0, began)
    eras, irregular = _eras(tz, changes)
    for era in eras:
        subcomponent = _subcomponent(era.changes[0], era.first_onset)
        recur = era.rule.recur()
        if not era.open_ended:
            recur["UNTIL"] = _until(era.changes[-1])
        subcomponent.add("rrule", recur)
        subcomponents.append((era.first_onset, subcomponent))
    for _kind, same in groupby(sorted(irregular, key=lambda c: (c.kind, c.at)), key=lambda c: c.kind):
        first, *others = same
        subcomponent = _subcomponent(first, first.onset)
        # DTSTART again as an RDATE, as Thunderbird's zones have it: ical.js reads no DTSTART beside RDATEs. One
        # date a line: vobject keeps only the first date of a list.
        for change in [first, *others] if others else []:
            subcomponent.add("rdate", change.onset)
        subcomponents.append((first.onset, subcomponent))
    return _timezone(tzid, subcomponents)


def _timezone(tzid: str, subcomponents: list) -> Timezone:
    """The VTIMEZONE of these (start, sub-component), by start."""
    timezone = Timezone()
    timezone.add("tzid", tzid)
    for _start, subcomponent in sorted(subcomponents, key=lambda item: item[0]):
        timezone.add_component(subcomponent)
    return timezone
