"""``machine_search_p99_ms``: searching the machine directory (10,000 machines, 500 companies).

The directory is loaded the way the app loads it: the real GoToAssist client pages through the
stand-in's ``GET /companies`` and ``GET /companies/{id}/machines`` (rate limits lifted, so the
load is not paced). Then a mix of what technicians type is searched, one at a time, in this
process: exact names, partial names, ``company/machine``, UUIDs, misses (which rank the closest
names) and the form's suggestions, all limited to what one technician may see (a quarter of
the companies) and unlimited.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import aiohttp

from bench.base import progress
from bench.sizes import Sizes
from bench.stats import summary
from bot.gotoassist.client import GoToAssistClient
from bot.gotoassist.directory import MachineDirectory
from bot.sessions.machines import fold, search, suggest
from sandbox.gotoassist import GoToAssistStandIn
from sandbox.signing import GOTO_TOKEN

_KINDS = ("FRONTDESK", "LAPTOP", "SRV", "POS", "KIOSK", "RECEPTION", "LAB")
_STATUSES = ("ONLINE", "ONLINE", "OFFLINE", "OFFLINE", "BLOCKED", "REMOVED", "SLEEPING")


def _fill(goto: GoToAssistStandIn, sizes: Sizes, rng: random.Random) -> list[tuple[str, str, str]]:
    """Companies and machines; returns (uuid, name, company) of every machine."""
    made = []
    for c in range(sizes.machine_companies):
        company = f"Customer {c:03d} {rng.choice(('Corp', 'GmbH', 'Ltd', 'Inc', 'SA'))}"
        cid = goto.add_company(company)
        for m in range(sizes.machines_per_company):
            machine_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            name = f"{rng.choice(_KINDS)}-{c:03d}-{m:02d}"
            goto.add_machine(machine_uuid, name, company_id=cid, status=rng.choice(_STATUSES))
            made.append((machine_uuid, name, company))
    return made


def _queries(made: list[tuple[str, str, str]], rng: random.Random, n: int) -> list[str]:
    def typo(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]

    makers = [
        lambda m: m[1],  # exact
        lambda m: m[1].lower()[: rng.randrange(3, 10)],  # partial
        lambda m: f"{m[2].split()[1]}/{m[1][-5:]}",  # company/machine (partial both)
        lambda m: m[0],  # UUID
        lambda m: typo(m[1]),  # a miss: ranks the closest names
        lambda m: "ZZ-" + m[1],  # a miss with nothing close
    ]
    return [rng.choice(makers)(rng.choice(made)) for _ in range(n)]


async def measure_machine_search(sizes: Sizes) -> dict[str, Any]:
    rng = random.Random(12)
    async with GoToAssistStandIn(tokens=[GOTO_TOKEN]) as goto:
        goto.set_rate_limit(0)
        made = _fill(goto, sizes, rng)
        progress(f"machines: {len(made)} machines in {sizes.machine_companies} companies")
        async with aiohttp.ClientSession() as http:
            client = GoToAssistClient(http, goto.base_url, rate_per_s=0)
            directory = MachineDirectory(client, rate_per_s=0)
            began = time.perf_counter()
            await directory.refresh(GOTO_TOKEN)
            load_s = time.perf_counter() - began
        requests = len(goto.directory_requests)
    index = directory.index
    companies = sorted({fold(company) for _u, _n, company in made})
    mine = frozenset(rng.sample(companies, max(1, len(companies) // 4)))
    queries = _queries(made, rng, sizes.machine_searches)
    for query in queries[:50]:  # warm-up
        search(index, query)
    timings: dict[str, list[float]] = {"search": [], "search_one_team": [], "suggest": []}
    outcomes: dict[str, int] = {}
    for query in queries:
        t0 = time.perf_counter()
        result = search(index, query)
        t1 = time.perf_counter()
        search(index, query, companies=mine)
        t2 = time.perf_counter()
        suggest(index, query[:6], companies=mine)
        t3 = time.perf_counter()
        timings["search"].append((t1 - t0) * 1000)
        timings["search_one_team"].append((t2 - t1) * 1000)
        timings["suggest"].append((t3 - t2) * 1000)
        outcomes[type(result).__name__] = outcomes.get(type(result).__name__, 0) + 1
    every = timings["search"] + timings["search_one_team"] + timings["suggest"]
    stats = summary(every)
    return {
        "machine_search_p99_ms": stats["p99"],
        "samples": {name: summary(values) for name, values in timings.items()},
        "details": {
            "machines_listed": len(made),
            "machines_offered": len(index),
            "companies": sizes.machine_companies,
            "directory_load_s": round(load_s, 2),
            "directory_requests": requests,
            "queries": len(queries),
            "outcomes": outcomes,
            "all_calls": stats,
        },
    }
