"""Finding an unattended machine by what a technician types, and who may see which company's.

Pure. A technician types a machine name (``FRONTDESK-02``), part of one (``frontdesk``),
``company/machine`` (``Acme/frontdesk``, either part partial) or the machine's UUID. The rules:

* BLOCKED and REMOVED machines are never offered (they are not in the index at all).
* Only machines of companies the technician may see take part: nothing else, not even a count,
  reaches an answer.
* Exact names (case-insensitive) win over partial ones: ``PC-1`` opens ``PC-1`` even when
  ``PC-10`` exists. One match starts; several are listed; none names the closest names.
* ``UNATTENDED_ACCESS`` (``Acme Corp=@acme-tier2;Globex=@tier2,@oncall``) maps companies to
  the user groups whose members may see and open their machines.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ONLINE = "ONLINE"
OFFLINE = "OFFLINE"
NEVER_OFFERED = frozenset({"BLOCKED", "REMOVED"})
CLOSEST = 3  # how many closest names a miss suggests

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def fold(text: str) -> str:
    """The form names are compared in: case-folded, inner spaces collapsed."""
    return " ".join(text.casefold().split())


def is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text.strip()) is not None


@dataclass(frozen=True, slots=True)
class MachineEntry:
    """One unattended computer as GoToAssist lists it. ``status`` is upper-case as sent
    (ONLINE, OFFLINE, or something undocumented); "" when GoToAssist sent none."""

    uuid: str
    name: str
    company_id: str
    company: str
    status: str = ""

    @property
    def offered(self) -> bool:
        return self.status not in NEVER_OFFERED

    @property
    def online(self) -> bool:
        return self.status == ONLINE


@dataclass(frozen=True, slots=True)
class MachineIndex:
    """The offered machines with their names pre-folded, for searching many times."""

    entries: tuple[MachineEntry, ...] = ()
    _names: tuple[str, ...] = field(default=(), repr=False)
    _companies: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, machines: Iterable[MachineEntry]) -> MachineIndex:
        entries = tuple(
            sorted(
                (m for m in machines if m.offered and m.name),
                key=lambda m: (fold(m.company), fold(m.name), m.uuid),
            )
        )
        return cls(
            entries, tuple(fold(m.name) for m in entries), tuple(fold(m.company) for m in entries)
        )

    def __len__(self) -> int:
        return len(self.entries)

    def by_uuid(self, uuid: str) -> MachineEntry | None:
        wanted = uuid.strip().lower()
        return next((m for m in self.entries if m.uuid.lower() == wanted), None)


# -- what a search finds --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    """Exactly one machine matches."""

    machine: MachineEntry


@dataclass(frozen=True, slots=True)
class Several:
    """More than one matches (online first, then by company and name)."""

    machines: tuple[MachineEntry, ...]


@dataclass(frozen=True, slots=True)
class NoneFound:
    """Nothing matches; ``closest`` are the nearest names among what the technician may see."""

    closest: tuple[MachineEntry, ...] = ()


SearchResult = Found | Several | NoneFound


def search(
    index: MachineIndex, query: str, *, companies: frozenset[str] | None = None
) -> SearchResult:
    """What ``query`` finds in ``index`` among the machines of ``companies`` (folded company
    names; None: every company)."""
    text = query.strip()
    visible = [
        i
        for i in range(len(index.entries))
        if companies is None or index._companies[i] in companies
    ]
    if not text:
        return NoneFound()
    if is_uuid(text):
        wanted = text.lower()
        hits = [index.entries[i] for i in visible if index.entries[i].uuid.lower() == wanted]
        return Found(hits[0]) if hits else NoneFound()
    company_part, slash, machine_part = text.rpartition("/")
    if slash:
        visible = _in_companies(index, visible, fold(company_part))
        if not fold(machine_part):  # "Acme/": every machine of that company
            return _result(index, visible, visible, fold(company_part))
    wanted = fold(machine_part if slash else text)
    exact = [i for i in visible if index._names[i] == wanted]
    if exact:
        return _result(index, exact, visible, wanted)
    partial = [i for i in visible if wanted in index._names[i]]
    return _result(index, partial, visible, wanted)


def _in_companies(index: MachineIndex, rows: list[int], wanted: str) -> list[int]:
    """Rows of the company named exactly ``wanted``, else of every company containing it."""
    exact = [i for i in rows if index._companies[i] == wanted]
    if exact or not wanted:
        return exact or rows
    return [i for i in rows if wanted in index._companies[i]]


def _result(index: MachineIndex, hits: list[int], visible: list[int], wanted: str) -> SearchResult:
    if len(hits) == 1:
        return Found(index.entries[hits[0]])
    if hits:
        ordered = sorted((index.entries[i] for i in hits), key=lambda m: not m.online)
        return Several(tuple(ordered))
    return NoneFound(closest(index, visible, wanted))


def closest(index: MachineIndex, rows: list[int], wanted: str) -> tuple[MachineEntry, ...]:
    """The machines whose names are nearest ``wanted`` (difflib's ratio), at most CLOSEST."""
    if not wanted or not rows:
        return ()
    names = {index._names[i]: i for i in rows}
    near = difflib.get_close_matches(wanted, names, n=CLOSEST, cutoff=0.5)
    return tuple(index.entries[names[name]] for name in near)


def suggest(
    index: MachineIndex, query: str, *, companies: frozenset[str] | None = None, limit: int = 20
) -> tuple[MachineEntry, ...]:
    """What the modal's machine field lists as the technician types: every visible machine
    whose name, company or UUID contains ``query`` (all of them for an empty query), exact
    names first, then online before offline, at most ``limit``."""
    result = search(index, query, companies=companies) if query.strip() else None
    if isinstance(result, Found):
        return (result.machine,)
    if isinstance(result, Several):
        return result.machines[:limit]
    wanted = fold(query)
    rows = (
        i
        for i in range(len(index.entries))
        if (companies is None or index._companies[i] in companies)
        and (not wanted or wanted in index._companies[i])
    )
    found = tuple(index.entries[i] for i in rows)
    return tuple(sorted(found, key=lambda m: not m.online)[:limit])


# -- UNATTENDED_ACCESS ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompanyAccess:
    """One company of UNATTENDED_ACCESS and the user groups (handles or ids) that may open its
    machines."""

    company: str
    groups: tuple[str, ...]


class AccessSettingError(ValueError):
    """UNATTENDED_ACCESS cannot be read; the message says where and gives an example."""


ACCESS_EXAMPLE = "Acme Corp=@acme-tier2;Globex=@tier2,@oncall"
_GROUP = re.compile(r"@?[A-Za-z0-9._-]{1,80}")


def parse_access(text: str) -> tuple[CompanyAccess, ...]:
    """``Company=@group,@group;Company=...``. Raises AccessSettingError naming the bad part."""
    rules: list[CompanyAccess] = []
    seen: set[str] = set()
    for raw in text.split(";"):
        part = raw.strip()
        if not part:
            continue
        company, eq, groups_text = part.partition("=")
        company = " ".join(company.split())
        if not eq or not company:
            raise AccessSettingError(
                f"{part!r} is not 'Company=@group': write each company, '=', then its user "
                f"groups, companies separated by ';' (e.g. {ACCESS_EXAMPLE})"
            )
        groups = tuple(g.strip() for g in groups_text.split(",") if g.strip())
        if not groups:
            raise AccessSettingError(f"company {company!r} is given no user group")
        bad = [g for g in groups if not _GROUP.fullmatch(g)]
        if bad:
            raise AccessSettingError(
                f"{bad[0]!r} (for {company!r}) is not a user group handle like @tier2 or an "
                "id like S0123"
            )
        if fold(company) in seen:
            raise AccessSettingError(f"company {company!r} is listed twice")
        seen.add(fold(company))
        rules.append(CompanyAccess(company, groups))
    if not rules:
        raise AccessSettingError(f"no company is listed (e.g. {ACCESS_EXAMPLE})")
    return tuple(rules)


def access_groups(rules: Iterable[CompanyAccess]) -> tuple[str, ...]:
    """Every group UNATTENDED_ACCESS names, once each, in order."""
    return tuple(dict.fromkeys(group for rule in rules for group in rule.groups))


def visible_companies(rules: Iterable[CompanyAccess], member_of: Iterable[str]) -> frozenset[str]:
    """The (folded) companies whose machines someone in the groups ``member_of`` (the names as
    the setting writes them) may see and open. Companies not listed: nobody."""
    mine = set(member_of)
    return frozenset(fold(rule.company) for rule in rules if mine.intersection(rule.groups))
