"""The load generator: its own process, so that making requests never competes with the
server being measured for the same event loop.

``python -m bench.loadgen`` reads one JSON job per line on stdin and answers one JSON line on
stdout. Jobs:

* ``{"op": "slash", "url", "count", "concurrency", "response_url_base", "tag", "users"}``:
  ``count`` signed ``/remote-support`` commands, ``concurrency`` in flight (closed loop).
* ``{"op": "post", "items": [[url, json_body], ...], "concurrency"}``: JSON POSTs (status
  callbacks), in the order given, ``concurrency`` in flight.

Answer: ``{"latencies_ms": [...], "statuses": {"200": n, ...}, "elapsed_s", "changed"}``
(``changed``: answers whose JSON said ``"changed": true``), or ``{"error": "..."}``.
Requests are built and signed before the clock starts.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bench.base import customer_text
from sandbox.signing import sign, slash_command_body

Job = dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Request:
    url: str
    body: bytes
    headers: dict[str, str]


def _slash_requests(job: Job) -> list[_Request]:
    users = int(job.get("users", 8))
    out = []
    for i in range(int(job["count"])):
        key = f"{job['tag']}-{i}"
        body = slash_command_body(
            customer_text(i),
            user=f"UTECH{i % users}",
            response_url=str(job["response_url_base"]) + quote(key, safe=""),
            trigger_id=f"trigger-{key}",
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        out.append(_Request(str(job["url"]), body.encode(), headers))
    return out


def _post_requests(job: Job) -> list[_Request]:
    headers = {"Content-Type": "application/json"}
    return [_Request(str(url), str(body).encode(), headers) for url, body in job["items"]]


async def _closed_loop(
    http: aiohttp.ClientSession, requests: list[_Request], concurrency: int
) -> Job:
    n = len(requests)
    latencies = [0.0] * n
    statuses = [0] * n
    payloads = [b""] * n
    cursor = 0

    async def worker() -> None:
        nonlocal cursor
        while cursor < n:
            i = cursor
            cursor += 1
            req = requests[i]
            started = time.perf_counter()
            try:
                async with http.post(req.url, data=req.body, headers=req.headers) as resp:
                    payloads[i] = await resp.read()
                    statuses[i] = resp.status
            except (aiohttp.ClientError, TimeoutError):
                statuses[i] = -1
            latencies[i] = (time.perf_counter() - started) * 1000.0

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, n)))))
    elapsed = time.perf_counter() - started
    changed = sum(1 for p in payloads if b'"changed": true' in p or b'"changed":true' in p)
    return {
        "latencies_ms": [round(x, 3) for x in latencies],
        "statuses": {str(k): v for k, v in Counter(statuses).items()},
        "elapsed_s": elapsed,
        "changed": changed,
    }


async def _run(job: Job, pool: dict[str, aiohttp.ClientSession]) -> Job:
    op = job.get("op")
    if op == "slash":
        requests = _slash_requests(job)
    elif op == "post":
        requests = _post_requests(job)
    else:
        raise ValueError(f"unknown op {op!r}")
    if not requests:
        return {"latencies_ms": [], "statuses": {}, "elapsed_s": 0.0, "changed": 0}
    concurrency = int(job["concurrency"])
    origin = requests[0].url.split("/", 3)[2]
    http = pool.get(origin)
    if http is None:  # keep-alive connections per server, reused across rounds
        connector = aiohttp.TCPConnector(limit=64, limit_per_host=64)
        http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        pool[origin] = http
    return await _closed_loop(http, requests, concurrency)


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    pool: dict[str, aiohttp.ClientSession] = {}
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            try:
                result = await _run(json.loads(line), pool)
            except Exception as exc:
                result = {"error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()
    finally:
        for http in pool.values():
            await http.close()


def main() -> None:
    asyncio.run(_serve())


if __name__ == "__main__":
    main()
