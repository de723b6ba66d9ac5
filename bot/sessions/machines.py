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
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Sequence
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
    _grams: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, machines: Iterable[MachineEntry]) -> MachineIndex:
        entries = tuple(
            sorted(
                (m for m in machines if m.offered and m.name),
                key=lambda m: (fold(m.company), fold(m.name), m.uuid),
            )
        )
        names = tuple(fold(m.name) for m in entries)
        postings: dict[str, list[int]] = {}
        for row, name in enumerate(names):
            for gram in trigrams(name):
                postings.setdefault(gram, []).append(row)
        grams = {gram: tuple(rows) for gram, rows in postings.items()}
        return cls(entries, names, tuple(fold(m.company) for m in entries), grams)

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
    return _search(index, query, companies, with_closest=True)


def _visible(index: MachineIndex, companies: frozenset[str] | None) -> Sequence[int]:
    if companies is None:
        return range(len(index.entries))
    return [i for i, company in enumerate(index._companies) if company in companies]


def _search(
    index: MachineIndex, query: str, companies: frozenset[str] | None, *, with_closest: bool
) -> SearchResult:
    text = query.strip()
    if not text:
        return NoneFound()
    visible: Sequence[int] = _visible(index, companies)
    if is_uuid(text):
        wanted = text.lower()
        hits = [index.entries[i] for i in visible if index.entries[i].uuid.lower() == wanted]
        return Found(hits[0]) if hits else NoneFound()
    company_part, slash, machine_part = text.rpartition("/")
    if slash:
        visible = _in_companies(index, visible, fold(company_part))
        if not fold(machine_part):  # "Acme/": every machine of that company
            return _result(index, list(visible), visible, "", with_closest)
    wanted = fold(machine_part if slash else text)
    names = index._names
    exact = [i for i in visible if names[i] == wanted]
    if exact:
        return _result(index, exact, visible, wanted, with_closest)
    partial = [i for i in visible if wanted in names[i]]
    return _result(index, partial, visible, wanted, with_closest)


def _in_companies(index: MachineIndex, rows: Sequence[int], wanted: str) -> Sequence[int]:
    """Rows of the company named exactly ``wanted``, else of every company containing it."""
    exact = [i for i in rows if index._companies[i] == wanted]
    if exact or not wanted:
        return exact or rows
    return [i for i in rows if wanted in index._companies[i]]


def _result(
    index: MachineIndex,
    hits: list[int],
    visible: Sequence[int],
    wanted: str,
    with_closest: bool,
) -> SearchResult:
    if len(hits) == 1:
        return Found(index.entries[hits[0]])
    if hits:
        ordered = sorted((index.entries[i] for i in hits), key=lambda m: not m.online)
        return Several(tuple(ordered))
    return NoneFound(closest(index, visible, wanted) if with_closest else ())


def trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


_CANDIDATES = 50  # names sharing the most trigrams, compared closely (difflib's ratio)


def closest(index: MachineIndex, rows: Sequence[int], wanted: str) -> tuple[MachineEntry, ...]:
    """The machines whose names are nearest ``wanted``, at most CLOSEST: candidates by shared
    trigrams (an inverted index, so a miss costs milliseconds, not a comparison with every
    name), ranked by difflib's ratio, at least 0.5."""
    if not wanted or not rows:
        return ()
    allowed = None if isinstance(rows, range) else set(rows)
    shared: Counter[int] = Counter()
    for gram in trigrams(wanted):
        postings = index._grams.get(gram, ())
        shared.update(postings if allowed is None else [r for r in postings if r in allowed])
    scored = []
    matcher = difflib.SequenceMatcher(b=wanted, autojunk=False)
    for row, _count in shared.most_common(_CANDIDATES):
        matcher.set_seq1(index._names[row])
        ratio = matcher.ratio()
        if ratio >= 0.5:
            scored.append((ratio, index._names[row], row))
    best = heapq.nlargest(CLOSEST, scored, key=lambda item: (item[0], -len(item[1])))
    seen: set[str] = set()
    found = []
    for _ratio, name, row in best:
        if name not in seen:
            seen.add(name)
            found.append(index.entries[row])
    return tuple(found)


def suggest(
    index: MachineIndex, query: str, *, companies: frozenset[str] | None = None, limit: int = 20
) -> tuple[MachineEntry, ...]:
    """What the modal's machine field lists as the technician types: every visible machine
    whose name, company or UUID contains ``query`` (all of them for an empty query), exact
    names first, then online before offline, at most ``limit``."""
    result = _search(index, query, companies, with_closest=False)
    if isinstance(result, Found):
        return (result.machine,)
    if isinstance(result, Several):
        return result.machines[:limit]
    wanted = fold(query)
    online: list[MachineEntry] = []
    offline: list[MachineEntry] = []
    for i in _visible(index, companies):
        if wanted and wanted not in index._companies[i]:
            continue
        machine = index.entries[i]
        (online if machine.online else offline).append(machine)
        if len(online) >= limit:
            break
    return tuple((online + offline)[:limit])


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
