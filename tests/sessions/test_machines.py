"""The matching rules for unattended machines, and UNATTENDED_ACCESS, as tables."""

from __future__ import annotations

import pytest

from bot.sessions.machines import (
    AccessSettingError,
    CompanyAccess,
    Found,
    MachineEntry,
    MachineIndex,
    NoneFound,
    SearchResult,
    Several,
    access_groups,
    parse_access,
    search,
    suggest,
    visible_companies,
)

U = "3f2a9c4e-8b1d-4e6f-a0c2-5d7e9b1f3a6"  # + one hex digit per machine


def machine(n: int, name: str, company: str, status: str = "ONLINE") -> MachineEntry:
    return MachineEntry(f"{U}{n:x}", name, company.lower()[:3], company, status)


MACHINES = [
    machine(1, "FRONTDESK-01", "Acme Corp"),
    machine(2, "FRONTDESK-02", "Acme Corp", "OFFLINE"),
    machine(3, "FRONTDESK-02", "Globex"),
    machine(4, "PC-1", "Globex"),
    machine(5, "PC-10", "Globex"),
    machine(6, "Lab Server", "Initech", "SLEEPING"),
    machine(7, "VAULT", "Acme Corp", "BLOCKED"),
    machine(8, "OLD-PC", "Acme Corp", "REMOVED"),
    machine(9, "Reception", "AT&T Stores"),
]
INDEX = MachineIndex.of(MACHINES)


def names(result: SearchResult) -> list[str]:
    if isinstance(result, Found):
        return [f"{result.machine.company}/{result.machine.name}"]
    if isinstance(result, Several):
        return [f"{m.company}/{m.name}" for m in result.machines]
    return []


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        # exact names, any case; an exact name wins over longer ones containing it
        ("FRONTDESK-01", Found, ["Acme Corp/FRONTDESK-01"]),
        ("frontdesk-01", Found, ["Acme Corp/FRONTDESK-01"]),
        ("PC-1", Found, ["Globex/PC-1"]),
        # the same name in two companies: both, online first
        ("frontdesk-02", Several, ["Globex/FRONTDESK-02", "Acme Corp/FRONTDESK-02"]),
        # partial
        ("lab", Found, ["Initech/Lab Server"]),
        ("lab  server", Found, ["Initech/Lab Server"]),
        ("pc-", Several, ["Globex/PC-1", "Globex/PC-10"]),
        # company/machine, either part exact or partial
        ("Acme Corp/FRONTDESK-02", Found, ["Acme Corp/FRONTDESK-02"]),
        ("globex/frontdesk", Found, ["Globex/FRONTDESK-02"]),
        ("acme/desk", Several, ["Acme Corp/FRONTDESK-01", "Acme Corp/FRONTDESK-02"]),
        ("AT&T Stores/", Found, ["AT&T Stores/Reception"]),
        ("nobody/frontdesk", NoneFound, []),
        # UUID
        (f"{U}5", Found, ["Globex/PC-10"]),
        (f"{U.upper()}5", Found, ["Globex/PC-10"]),
        # BLOCKED and REMOVED never offered, by name or UUID
        ("vault", NoneFound, []),
        ("OLD-PC", NoneFound, []),
        (f"{U}7", NoneFound, []),
        ("", NoneFound, []),
    ],
)
def test_search(query: str, kind: type, expected: list[str]) -> None:
    result = search(INDEX, query)
    assert isinstance(result, kind)
    assert names(result) == expected


def test_a_miss_names_the_closest_offered_machines() -> None:
    result = search(INDEX, "FRONTDEKS-01")
    assert isinstance(result, NoneFound)
    assert [m.name for m in result.closest][:1] == ["FRONTDESK-01"]
    assert all(m.offered for m in result.closest)
    assert search(INDEX, "VAUL") == NoneFound(())  # a blocked machine is never "closest"


@pytest.mark.parametrize(
    ("companies", "query", "expected"),
    [
        (frozenset({"globex"}), "frontdesk-02", ["Globex/FRONTDESK-02"]),
        (frozenset({"acme corp"}), "pc-1", []),
        (frozenset(), "frontdesk", []),
        (frozenset({"acme corp"}), f"{U}5", []),  # another company's UUID: not found
    ],
)
def test_other_companies_never_match(
    companies: frozenset[str], query: str, expected: list[str]
) -> None:
    result = search(INDEX, query, companies=companies)
    assert names(result) == expected
    if isinstance(result, NoneFound):  # not even as a closest name
        assert all(m.company.lower() in companies for m in result.closest)


def test_suggestions() -> None:
    assert [m.name for m in suggest(INDEX, "", limit=3)] == [
        "FRONTDESK-01",
        "Reception",
        "FRONTDESK-02",
    ]
    assert {m.company for m in suggest(INDEX, "globex")} == {"Globex"}  # by company
    assert [m.name for m in suggest(INDEX, "pc-1")] == ["PC-1"]
    assert suggest(INDEX, "", companies=frozenset()) == ()
    assert all(m.company == "Initech" for m in suggest(INDEX, "", companies=frozenset({"initech"})))


def test_unknown_statuses_are_offered_but_not_online() -> None:
    lab = search(INDEX, "lab")
    assert isinstance(lab, Found)
    assert lab.machine.offered and not lab.machine.online


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Acme Corp=@acme-tier2;Globex=@tier2,@oncall",
            (
                CompanyAccess("Acme Corp", ("@acme-tier2",)),
                CompanyAccess("Globex", ("@tier2", "@oncall")),
            ),
        ),
        (" Acme   Corp = S0123 ; ", (CompanyAccess("Acme Corp", ("S0123",)),)),
    ],
)
def test_parse_access(text: str, expected: tuple[CompanyAccess, ...]) -> None:
    assert parse_access(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Acme Corp", "is not 'Company=@group'"),
        ("=@tier2", "is not 'Company=@group'"),
        ("Acme=", "no user group"),
        ("Acme=@tier 2", "not a user group"),
        ("Acme=@a;acme=@b", "listed twice"),
        (" ; ", "no company"),
    ],
)
def test_parse_access_errors(text: str, fragment: str) -> None:
    with pytest.raises(AccessSettingError, match=fragment):
        parse_access(text)


def test_visible_companies() -> None:
    rules = parse_access("Acme Corp=@acme-tier2;Globex=@tier2,@oncall")
    assert access_groups(rules) == ("@acme-tier2", "@tier2", "@oncall")
    assert visible_companies(rules, ["@oncall"]) == {"globex"}
    assert visible_companies(rules, ["@acme-tier2", "@tier2"]) == {"acme corp", "globex"}
    assert visible_companies(rules, []) == frozenset()
