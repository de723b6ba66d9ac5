"""The directory calls of the client, and the machine directory built from them, against the
GoToAssist stand-in over loopback: paging, odd payloads, failures, pacing, on-demand refresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.accounts.resolver import SharedAccount
from bot.gotoassist import CreateSessionRequest, GoToAssistClient, NotFound
from bot.gotoassist.directory import MachineDirectory
from bot.sessions.machines import Found, MachineEntry, NoneFound, Several, search
from bot.workflows.machines import REFRESHING, MachineFinder
from sandbox.gotoassist import DEFAULT_TOKEN, GoToAssistStandIn

TOKEN = DEFAULT_TOKEN


@pytest.fixture
async def g2a() -> AsyncIterator[GoToAssistStandIn]:
    async with GoToAssistStandIn() as stand_in:
        acme = stand_in.add_company("Acme Corp")
        globex = stand_in.add_company("Globex")
        for n in range(7):
            stand_in.add_machine(f"acme-{n}", f"ACME-PC-{n}", company_id=acme)
        stand_in.add_machine("g-1", "GLOBEX-PC", company_id=globex, status="OFFLINE")
        stand_in.add_machine("g-2", "GLOBEX-VAULT", company_id=globex, status="BLOCKED")
        yield stand_in


@pytest.fixture
async def client(g2a: GoToAssistStandIn) -> AsyncIterator[GoToAssistClient]:
    async with aiohttp.ClientSession() as http:
        yield GoToAssistClient(http, g2a.base_url, timeout_s=2.0, rate_per_s=0)


async def test_pages_of_companies_and_machines(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    page = await client.list_companies(TOKEN, limit=1, offset=1)
    assert page.total_num_companies == 2
    assert [(c.company_id, c.company_name) for c in page.entries()] == [("c00002", "Globex")]
    found = await client.list_companies(TOKEN, q="acme")
    assert [c.company_name for c in found.entries()] == ["Acme Corp"]
    machines = await client.list_machines(TOKEN, "c00001", limit=3, offset=6)
    assert machines.total_num_machines == 7
    assert [m.machine_name for m in machines.entries()] == ["ACME-PC-6"]
    assert machines.entries()[0].machine_status == "ONLINE"
    with pytest.raises(NotFound, match="no such company"):
        await client.list_machines(TOKEN, "c-unknown")


async def test_missing_extra_and_unknown_fields_are_tolerated(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    odd_companies = {
        "companies": [
            {"companyId": 42, "extra": {"nested": True}},  # a number id, no name
            "not a company",
            {"companyName": "no id"},
        ]
    }  # and no totalNumCompanies
    g2a.fail_next("directory", 200, body=odd_companies)
    page = await client.list_companies(TOKEN)
    assert [(c.company_id, c.company_name) for c in page.entries()] == [("42", None)]
    assert page.total_num_companies is None

    odd_machines = {
        "totalNumMachines": "three",
        "machines": [
            {"machineUuid": "u-1", "machineName": "A", "machineStatus": "hibernating"},
            {"machineUuid": "u-2", "dnsName": "b.example", "ipAddresses": "10.0.0.1"},
            {"machineName": "no uuid"},
        ],
    }
    g2a.fail_next("directory", 200, body=odd_machines)
    machines = (await client.list_machines(TOKEN, "c00001")).entries()
    assert [(m.machine_uuid, m.machine_name, m.machine_status) for m in machines] == [
        ("u-1", "A", "HIBERNATING"),
        ("u-2", None, None),
    ]
    assert (await client.list_machines(TOKEN, "c00001")).total_num_machines == 7
    g2a.fail_next("directory", 200, body={"companies": None})
    assert (await client.list_companies(TOKEN)).entries() == []


async def test_the_directory_pages_through_everything_and_never_offers_blocked(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    g2a.directory_page_max = 3
    directory = MachineDirectory(client, rate_per_s=0)
    await directory.refresh(TOKEN)
    assert directory.last_error is None
    names = sorted(m.name for m in directory.index.entries)
    assert names == [f"ACME-PC-{n}" for n in range(7)] + ["GLOBEX-PC"]
    offline = search_one(directory, "globex-pc")
    assert offline.company == "Globex" and offline.status == "OFFLINE"
    paths = [r.path for r in g2a.directory_requests]
    assert paths.count("/G2A/rest/v1/companies") == 1  # 2 companies: one page
    assert paths.count("/G2A/rest/v1/companies/c00001/machines") == 3  # 7 machines: 3 pages


def search_one(directory: MachineDirectory, query: str) -> MachineEntry:
    result = search(directory.index, query)
    assert isinstance(result, Found), result
    return result.machine


async def test_a_failed_refresh_keeps_the_last_list(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    directory = MachineDirectory(client, rate_per_s=0)
    await directory.refresh(TOKEN)
    before = directory.index
    g2a.add_machine("acme-new", "ACME-NEW", company_id="c00001")
    g2a.fail_next("directory", 503, count=4)  # the first try and 3 retries
    await directory.refresh(TOKEN)
    assert directory.index is before
    assert directory.last_error is not None and "503" in directory.last_error
    await directory.refresh(TOKEN)  # GoToAssist is back
    assert directory.last_error is None
    assert "ACME-NEW" in {m.name for m in directory.index.entries}


async def test_a_miss_refreshes_the_list_on_demand(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    directory = MachineDirectory(client, rate_per_s=0, refresh_s=3600)
    finder = MachineFinder(
        directory,
        SharedAccount(TOKEN),
        None,
        rules=None,
        shared_token=TOKEN,
        miss_refresh_after_s=0,
    )
    await directory.refresh(TOKEN)
    g2a.add_machine("acme-late", "LATECOMER", company_id="c00001")
    assert isinstance((await finder.find("T1", "U1", "latecomer")).result, Found)
    assert isinstance((await finder.find("T1", "U1", "acme-pc")).result, Several)
    assert isinstance((await finder.find("T1", "U1", "nothing-like-it")).result, NoneFound)


async def test_the_refresh_paces_itself_and_creates_go_through_meanwhile(
    g2a: GoToAssistStandIn, client: GoToAssistClient
) -> None:
    for n in range(12):
        g2a.add_company(f"Tiny {n}")
    directory = MachineDirectory(client, rate_per_s=4)
    finder = MachineFinder(directory, SharedAccount(TOKEN), None, rules=None, shared_token=TOKEN)
    refreshing = directory.start_refresh(TOKEN)
    await asyncio.sleep(0.3)
    suggestions = await finder.suggest("T1", "U1", "")
    assert suggestions.note == REFRESHING  # the form is answered at once, and says so
    await client.create_session(TOKEN, CreateSessionRequest(customer_name="Jane"))
    await refreshing
    create = next(r for r in g2a.requests if r.route == "create")
    assert create.time < g2a.directory_requests[-1].time  # not queued behind the refresh
    times = [r.time for r in g2a.directory_requests]
    assert len(times) == 15  # one page of companies, one of machines per company
    for i in range(len(times) - 4):  # never more than 4 in any second (what GoToAssist sees)
        assert times[i + 4] - times[i] >= 0.95
