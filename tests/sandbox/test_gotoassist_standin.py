"""The GoToAssist stand-in: its API, callbacks, faults and control surface, over loopback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.gotoassist.models import SessionInfo
from bot.sessions.status import SessionStatus
from sandbox.gotoassist import (
    DEFAULT_TOKEN,
    GoToAssistStandIn,
    is_loopback_url,
    token_fingerprint,
)

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@dataclass
class Receiver:
    """A loopback endpoint standing in for the app's callback route."""

    url: str
    got: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [body["status"] for _, body in self.got]


@pytest.fixture
async def g2a() -> AsyncIterator[GoToAssistStandIn]:
    async with GoToAssistStandIn(seed=3) as stand_in:
        yield stand_in


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    got: list[tuple[str, dict[str, Any]]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            got.append(("json", await request.json()))
        else:
            got.append((request.content_type, dict(await request.post())))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/gotoassist/callbacks/{secret}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    yield Receiver(f"http://127.0.0.1:{port}/gotoassist/callbacks/s3cret", got)
    await runner.cleanup()


async def create(
    http: aiohttp.ClientSession,
    g2a: GoToAssistStandIn,
    headers: dict[str, str] = AUTH,
    **fields: Any,
) -> tuple[int, dict[str, Any]]:
    body = {"sessionType": "SCREEN_SHARING", **fields}
    async with http.post(f"{g2a.base_url}/sessions", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def get(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, ref: str, headers: dict[str, str] = AUTH
) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{g2a.base_url}/sessions/{ref}", headers=headers) as resp:
        return resp.status, await resp.json()


# -- the API ---------------------------------------------------------------------------------


async def test_create_answers_token_launch_and_join_urls(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    status, body = await create(http, g2a, customerName="Jane", partnerObject="4521")
    assert status == 200
    assert set(body) == {"sessionToken", "startScreenSharing", "customerJoinUrl"}
    assert body["startScreenSharing"]["launchUrl"].startswith("https://stand-in.invalid/launch/")
    assert body["customerJoinUrl"].startswith("https://stand-in.invalid/join/")
    session = g2a.sessions[body["sessionToken"]]
    assert (session.status, session.session_id) == (SessionStatus.NOT_STARTED, None)

    g2a.include_join_url_in_create = False
    _, second = await create(http, g2a)
    assert "customerJoinUrl" not in second


async def test_get_by_token_and_by_id(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    _, created = await create(http, g2a, customerName="Jane", partnerObject="4521")
    token = created["sessionToken"]
    status, before = await get(http, g2a, token)
    assert status == 200
    assert "sessionId" not in before and before["status"] == "notStarted"
    assert before["partnerObject"] == 4521  # a number, as the documentation says

    session_id = g2a.start_session(token).session_id
    assert session_id is not None
    status, by_id = await get(http, g2a, session_id)
    assert status == 200
    info = SessionInfo.model_validate(by_id)
    assert (info.status, info.session_id, info.customer_name) == ("waiting", session_id, "Jane")
    assert info.started_at is not None
    assert by_id["startedAt"].endswith("Z")


async def test_unattended_session_names_the_machine(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.add_machine("m-1", "Reception PC")
    status, missing = await create(http, g2a, machineUuid="m-2")
    assert (status, missing["errorCode"]) == (404, "NotFound")
    _, created = await create(http, g2a, machineUuid="m-1")
    _, info = await get(http, g2a, created["sessionToken"])
    assert info["unattendedMachineName"] == "Reception PC"
    assert info["unattendedMachineUuid"] == "m-1"


async def test_sessions_belong_to_their_token(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    g2a.add_token("other")
    _, created = await create(http, g2a)
    status, _ = await get(http, g2a, created["sessionToken"], {"Authorization": "Bearer other"})
    assert status == 404


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"sessionType": "screen_sharing"}, True),
        ({"sessionType": "VIDEO"}, False),
        ({"customerName": "no type"}, False),
        ({"sessionType": "SCREEN_SHARING", "customerName": ["not", "text"]}, False),
    ],
)
async def test_create_validates_the_body(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, body: dict[str, Any], ok: bool
) -> None:
    async with http.post(f"{g2a.base_url}/sessions", json=body, headers=AUTH) as resp:
        answer = await resp.json()
    if ok:
        assert resp.status == 200
    else:
        assert (resp.status, answer["errorCode"]) == (400, "InvalidRequest")
        assert answer["message"]


async def test_create_refuses_a_body_that_is_not_json(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    async with http.post(f"{g2a.base_url}/sessions", data=b"{nope", headers=AUTH) as resp:
        assert resp.status == 400


async def test_other_methods_get_405(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    for method, path in (("PUT", "/sessions"), ("GET", "/sessions"), ("DELETE", "/sessions/1")):
        async with http.request(method, g2a.base_url + path, headers=AUTH) as resp:
            assert resp.status == 405, (method, path)


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer wrong", 401),
        ("Bearer seatless", 401),
        ("Bearer no-role", 403),
        ("Bearer expired", 403),
        (f"OAuth oauth_token={DEFAULT_TOKEN}", 200),
        (f"Bearer {DEFAULT_TOKEN}", 200),
    ],
)
async def test_auth(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, header: str | None, status: int
) -> None:
    g2a.add_token("seatless", seat=False)
    g2a.add_token("no-role", forbidden=True)
    g2a.add_token("expired", expired=True)
    answered, body = await create(http, g2a, {"Authorization": header} if header else {})
    assert answered == status
    if header == "Bearer expired":
        assert body == {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}


async def test_requests_are_recorded_without_the_token(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    await create(http, g2a, customerName="Jane")
    record = g2a.requests[0]
    assert (record.method, record.path, record.route, record.status) == (
        "POST",
        "/G2A/rest/v1/sessions",
        "create",
        200,
    )
    assert record.json == {"sessionType": "SCREEN_SHARING", "customerName": "Jane"}
    assert record.auth_scheme == "Bearer"
    assert record.token_fingerprint == token_fingerprint(DEFAULT_TOKEN)
    fingerprint = token_fingerprint(DEFAULT_TOKEN)
    assert record.headers["Authorization"] == f"Bearer <token {fingerprint}>"
    assert DEFAULT_TOKEN not in repr(g2a.requests)


# -- faults ------------------------------------------------------------------------------------


async def test_fail_next_then_normal(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    g2a.fail_next("all", 429, count=1, retry_after=2)
    async with http.post(f"{g2a.base_url}/sessions", json={}, headers=AUTH) as resp:
        assert (resp.status, resp.headers["Retry-After"]) == (429, "2")
    status, _ = await get(http, g2a, "1")
    assert status == 429
    status, _ = await get(http, g2a, "1")
    assert status == 404


async def test_latency_and_hang(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    quick = aiohttp.ClientTimeout(total=0.2)
    g2a.set_latency("get", 1.0)
    with pytest.raises(TimeoutError):
        await http.get(f"{g2a.base_url}/sessions/1", headers=AUTH, timeout=quick)
    g2a.set_latency("get", 0)
    g2a.hang_next("create")
    with pytest.raises(TimeoutError):
        await http.post(f"{g2a.base_url}/sessions", json={}, headers=AUTH, timeout=quick)
    assert [r.status for r in g2a.requests] == [None, None]  # neither has been answered


async def test_rate_limit_per_token(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    g2a.set_rate_limit(3)
    statuses = [(await get(http, g2a, "1"))[0] for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert g2a.requests[-1].status == 429
    g2a.add_token("another")
    assert (await get(http, g2a, "1", {"Authorization": "Bearer another"}))[0] == 404
    g2a.set_rate_limit(0)
    assert (await get(http, g2a, "1"))[0] == 404


# -- status callbacks -----------------------------------------------------------------------


async def test_transitions_fire_json_callbacks(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, receiver: Receiver
) -> None:
    _, created = await create(http, g2a, sessionStatusCallbackUrl=receiver.url, customerName="Jo")
    token = created["sessionToken"]
    g2a.start_session(token)
    g2a.join_session(token)
    g2a.end_session(token, notes="Fixed the printer", collaborators=[{"name": "Ann"}])
    await g2a.drain_callbacks()

    assert receiver.statuses() == ["waiting", "active", "complete"]
    infos = [SessionInfo.model_validate(body) for kind, body in receiver.got if kind == "json"]
    assert len(infos) == 3
    assert len({info.session_id for info in infos}) == 1
    assert infos[-1].notes == "Fixed the printer"
    assert infos[-1].collaborator_names() == ["Ann"]
    assert [d.status for d in g2a.deliveries] == [200, 200, 200]


async def test_form_callbacks(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, receiver: Receiver
) -> None:
    g2a.callback_format = "form"
    _, created = await create(http, g2a, sessionStatusCallbackUrl=receiver.url)
    g2a.start_session(created["sessionToken"])
    g2a.end_session(created["sessionToken"], collaborators=["Ann"])
    await g2a.drain_callbacks()

    assert [kind for kind, _ in receiver.got] == ["application/x-www-form-urlencoded"] * 2
    last = SessionInfo.model_validate(receiver.got[-1][1])
    assert last.status is SessionStatus.ABANDONED
    assert last.collaborator_names() == ["Ann"]


async def test_duplicates_shuffle_and_disabled(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, receiver: Receiver
) -> None:
    g2a.callback_duplicates = 1
    g2a.callback_shuffle = True
    _, created = await create(http, g2a, sessionStatusCallbackUrl=receiver.url)
    token = created["sessionToken"]
    g2a.start_session(token)
    g2a.join_session(token)
    await g2a.drain_callbacks()
    assert receiver.got == []  # held until the session ends

    g2a.end_session(token)
    await g2a.drain_callbacks()
    assert sorted(receiver.statuses()) == sorted(["waiting", "active", "complete"] * 2)

    g2a.callbacks_enabled = False
    _, second = await create(http, g2a, sessionStatusCallbackUrl=receiver.url)
    g2a.start_session(second["sessionToken"])
    g2a.end_session(second["sessionToken"])
    await g2a.drain_callbacks()
    assert len(receiver.got) == 6


async def test_callback_delay(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, receiver: Receiver
) -> None:
    g2a.callback_delay_s = 0.3
    _, created = await create(http, g2a, sessionStatusCallbackUrl=receiver.url)
    g2a.start_session(created["sessionToken"])
    await asyncio.sleep(0.05)
    assert receiver.got == []
    await g2a.drain_callbacks()
    assert receiver.statuses() == ["waiting"]


async def test_no_callback_without_url(http: aiohttp.ClientSession, g2a: GoToAssistStandIn) -> None:
    _, created = await create(http, g2a)
    g2a.start_session(created["sessionToken"])
    await g2a.drain_callbacks()
    assert g2a.deliveries == []


async def test_non_loopback_callback_is_refused(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    _, created = await create(http, g2a, sessionStatusCallbackUrl="https://example.com/cb/x")
    g2a.start_session(created["sessionToken"])
    await g2a.drain_callbacks()
    (delivery,) = g2a.deliveries
    assert delivery.refused is True
    assert delivery.status is None and delivery.error is None


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080/cb", True),
        ("http://127.9.9.9/cb", True),
        ("http://[::1]:3000/cb", True),
        ("http://localhost:3000/cb", True),
        ("https://example.com/cb", False),
        ("http://10.0.0.5/cb", False),
        ("http://127.0.0.1.nip.io/cb", False),
        ("ftp://127.0.0.1/cb", False),
        ("not a url", False),
    ],
)
def test_is_loopback_url(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_unknown_session_is_a_key_error() -> None:
    g2a = GoToAssistStandIn()
    with pytest.raises(KeyError):
        g2a.start_session("nope")


async def test_wrong_transitions_are_refused(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    _, created = await create(http, g2a)
    token = created["sessionToken"]
    with pytest.raises(ValueError, match="notStarted"):
        g2a.join_session(token)
    with pytest.raises(ValueError, match="notStarted"):
        g2a.end_session(token)
    g2a.start_session(token)
    with pytest.raises(ValueError, match="waiting"):
        g2a.start_session(token)


# -- control over HTTP ----------------------------------------------------------------------


async def test_control_http_drives_a_whole_session(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, receiver: Receiver
) -> None:
    control = g2a.control_url

    async def post(path: str, body: Any = None) -> tuple[int, Any]:
        async with http.post(control + path, json=body) as resp:
            return resp.status, await resp.json()

    assert (await post("/tokens", {"token": "tech-2"}))[0] == 200
    assert (await post("/machines", {"uuid": "m-9", "name": "Lab PC"}))[0] == 200
    status, config = await post("/config", {"callback_format": "form", "callback_duplicates": 1})
    assert status == 200 and config["callback_format"] == "form"
    assert (await post("/config", {"no_such_setting": 1}))[0] == 400

    tech2 = {"Authorization": "OAuth oauth_token=tech-2"}
    _, created = await create(
        http, g2a, tech2, machineUuid="m-9", sessionStatusCallbackUrl=receiver.url
    )
    async with http.get(control + "/sessions") as resp:
        (listed,) = await resp.json()
    assert listed["sessionToken"] == created["sessionToken"]
    token = listed["sessionToken"]

    assert (await post(f"/sessions/{token}/join"))[0] == 409
    assert (await post("/sessions/unknown/start"))[0] == 404
    status, started = await post(f"/sessions/{token}/start")
    assert (status, started["status"]) == (200, "waiting")
    await post(f"/sessions/{started['sessionId']}/join")
    status, ended = await post(
        f"/sessions/{token}/end", {"notes": "done", "recording_url": "https://rec.invalid/1"}
    )
    assert (ended["status"], ended["notes"]) == ("complete", "done")
    assert (await post("/drain"))[0] == 200
    assert len(receiver.got) == 6

    async with http.get(control + "/callbacks") as resp:
        deliveries = await resp.json()
    assert [d["status"] for d in deliveries] == [200] * 6
    async with http.get(control + "/requests") as resp:
        text = await resp.text()
    assert "tech-2" not in text and token_fingerprint("tech-2") in text

    await post("/fail", {"route": "get", "status": 500})
    await post("/latency", {"route": "all", "seconds": 0})
    assert (await get(http, g2a, token, tech2))[0] == 500
    await post("/hang", {"route": "get", "count": 0})
    assert (await post("/reset"))[0] == 200
    assert g2a.sessions == {} and g2a.requests == []


async def test_stop_releases_hung_requests(http: aiohttp.ClientSession) -> None:
    g2a = GoToAssistStandIn()
    await g2a.start()
    g2a.hang_next("get")
    pending = asyncio.ensure_future(http.get(f"{g2a.base_url}/sessions/1", headers=AUTH))
    await asyncio.sleep(0.1)
    await asyncio.wait_for(g2a.stop(), timeout=3)
    (result,) = await asyncio.wait_for(asyncio.gather(pending, return_exceptions=True), 3)
    if isinstance(result, aiohttp.ClientResponse):
        assert result.status == 503
        result.release()
    else:
        assert isinstance(result, aiohttp.ClientError)


async def test_runs_standalone(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.gotoassist",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=20)
        base_url = line.decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/G2A/rest/v1")
        async with http.get(f"{base_url}/sessions/1", headers=AUTH) as resp:
            assert resp.status == 404
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), timeout=10) == 0


# -- the unattended machine directory ---------------------------------------------------------


async def test_companies_and_machines_are_listed_in_pages_with_faults_and_control(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn
) -> None:
    control = g2a.control_url

    async def post(path: str, body: Any) -> tuple[int, Any]:
        async with http.post(control + path, json=body) as resp:
            return resp.status, await resp.json()

    async def get(path: str, headers: dict[str, str] = AUTH) -> tuple[int, Any]:
        async with http.get(g2a.base_url + path, headers=headers) as resp:
            return resp.status, await resp.json()

    status, made = await post("/companies", {"name": "Acme Corp"})
    assert status == 200
    acme = made["companyId"]
    await post("/companies", {"name": "Globex", "company_id": "g-1"})
    for n in range(3):
        await post("/machines", {"uuid": f"m-{n}", "name": f"PC-{n}", "company_id": acme})
    await post(
        "/machines", {"uuid": "m-b", "name": "VAULT", "company_id": "g-1", "status": "BLOCKED"}
    )
    await post("/config", {"directory_page_max": 2})

    status, page = await get("/companies?limit=10&offset=0")
    assert status == 200 and page["totalNumCompanies"] == 2
    assert [c["companyName"] for c in page["companies"]] == ["Acme Corp", "Globex"]
    assert (await get("/companies?q=glob"))[1]["companies"][0]["companyId"] == "g-1"
    status, machines = await get(f"/companies/{acme}/machines?limit=10&offset=2")
    assert machines["totalNumMachines"] == 3
    assert [(m["machineName"], m["machineStatus"]) for m in machines["machines"]] == [
        ("PC-2", "ONLINE")
    ]
    assert (await get("/companies/g-1/machines"))[1]["machines"][0]["machineStatus"] == "BLOCKED"
    assert (await get("/companies/nope/machines"))[0] == 404
    assert (await get("/companies?limit=x"))[0] == 400
    assert (await get("/companies", headers={}))[0] == 401
    await post("/fail", {"route": "directory", "status": 503})
    assert (await get("/companies"))[0] == 503
    # Directory calls are recorded apart from the session API's.
    assert g2a.requests == []
    assert len(g2a.directory_requests) == 8
    # A machine listed is one a session can open.
    _, created = await create(http, g2a, AUTH, machineUuid="m-1")
    assert g2a.find(created["sessionToken"]).machine_name == "PC-1"
