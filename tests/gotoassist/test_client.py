"""The GoToAssist client against the stand-in, over real loopback sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.gotoassist import (
    BadRequest,
    CreateSessionRequest,
    CreateSessionResponse,
    Forbidden,
    GoToAssistClient,
    InvalidResponse,
    MethodNotAllowed,
    NotFound,
    RateLimited,
    ServerError,
    SessionInfo,
    Timeout,
    Unauthorized,
    Unreachable,
)
from bot.gotoassist.errors import GoToAssistError
from bot.sessions.status import SessionStatus
from sandbox.gotoassist import DEFAULT_TOKEN, GoToAssistStandIn, token_fingerprint
from sandbox.harness import free_port

TOKEN = DEFAULT_TOKEN
MACHINE = "6f1c3a9e-0000-4000-8000-00000000abcd"
ATTENDED = CreateSessionRequest(
    customer_name="Jane Doe",
    customer_email="jane@example.com",
    partner_object="4521",
    partner_object_url="https://tickets.example.com/4521",
)

Calls = list[tuple[str, str]]


@pytest.fixture
async def g2a() -> AsyncIterator[GoToAssistStandIn]:
    async with GoToAssistStandIn(seed=7) as stand_in:
        stand_in.add_machine(MACHINE, "Front desk PC")
        yield stand_in


@pytest.fixture
def calls() -> Calls:
    return []


@pytest.fixture
def make_client(
    http: aiohttp.ClientSession, g2a: GoToAssistStandIn, calls: Calls
) -> Callable[..., GoToAssistClient]:
    def make(**kwargs: Any) -> GoToAssistClient:
        options: dict[str, Any] = {"timeout_s": 2.0, "observer": _record(calls)} | kwargs
        return GoToAssistClient(http, options.pop("base_url", g2a.base_url), **options)

    return make


@pytest.fixture
def client(make_client: Callable[..., GoToAssistClient]) -> GoToAssistClient:
    return make_client()


def _record(calls: Calls) -> Callable[[str, str], None]:
    return lambda method, outcome: calls.append((method, outcome))


# -- success -------------------------------------------------------------------------------


async def test_create_attended_then_read_it_by_token(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    created = await client.create_session(TOKEN, ATTENDED)

    assert created.launch_url.startswith("https://stand-in.invalid/launch/")
    assert created.customer_join_url and "/join/" in created.customer_join_url
    info = await client.get_session(TOKEN, created.session_token)
    assert info.status is SessionStatus.NOT_STARTED
    assert info.session_id is None
    assert info.customer_name == "Jane Doe"
    assert info.partner_object == "4521"  # the stand-in answers a number, as documented
    assert info.customer_join_url == created.customer_join_url

    post = g2a.requests[0]
    assert (post.method, post.auth_scheme) == ("POST", "Bearer")
    assert post.token_fingerprint == token_fingerprint(TOKEN)
    assert TOKEN not in post.headers["Authorization"]
    assert post.json == {
        "sessionType": "SCREEN_SHARING",
        "customerName": "Jane Doe",
        "customerEmail": "jane@example.com",
        "partnerObject": "4521",
        "partnerObjectUrl": "https://tickets.example.com/4521",
    }


async def test_create_unattended_then_read_it_by_session_id(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    created = await client.create_session(TOKEN, CreateSessionRequest(machine_uuid=MACHINE))
    started = g2a.start_session(created.session_token)
    assert started.session_id is not None

    info = await client.get_session(TOKEN, started.session_id)

    assert info.status is SessionStatus.WAITING
    assert info.session_id == started.session_id
    assert info.unattended_machine_uuid == MACHINE
    assert info.unattended_machine_name == "Front desk PC"
    assert info.started_at is not None and info.started_at.tzinfo is not None
    assert g2a.requests[0].json == {"sessionType": "SCREEN_SHARING", "machineUuid": MACHINE}


async def test_oauth_scheme_is_accepted(
    make_client: Callable[..., GoToAssistClient], g2a: GoToAssistStandIn
) -> None:
    client = make_client(auth_scheme="OAuth")
    created = await client.create_session(TOKEN, ATTENDED)
    await client.get_session(TOKEN, created.session_token)
    assert [r.auth_scheme for r in g2a.requests] == ["OAuth", "OAuth"]


async def test_join_url_may_be_missing_from_the_create_answer(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.include_join_url_in_create = False
    created = await client.create_session(TOKEN, ATTENDED)
    assert created.customer_join_url is None
    info = await client.get_session(TOKEN, created.session_token)
    assert info.customer_join_url


async def test_observer_sees_each_attempt(client: GoToAssistClient, calls: Calls) -> None:
    created = await client.create_session(TOKEN, ATTENDED)
    await client.get_session(TOKEN, created.session_token)
    with pytest.raises(NotFound):
        await client.get_session(TOKEN, "no-such-session")
    assert calls == [
        ("POST /sessions", "ok"),
        ("GET /sessions", "ok"),
        ("GET /sessions", "http_404"),
    ]


async def test_tokens_and_launch_urls_never_reach_the_logs(
    client: GoToAssistClient, g2a: GoToAssistStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    g2a.fail_next("get", 500)
    created = await client.create_session(TOKEN, ATTENDED)
    await client.get_session(TOKEN, created.session_token)
    assert caplog.records  # the client did log
    assert TOKEN not in caplog.text
    assert created.launch_url not in caplog.text
    assert created.launch_url not in repr(created)


# -- documented status codes ------------------------------------------------------------------


async def test_400_quotes_the_reason(client: GoToAssistClient) -> None:
    with pytest.raises(BadRequest) as err:
        await client.create_session(TOKEN, CreateSessionRequest(session_type="REMOTE_CONTROL"))
    assert err.value.status == 400
    assert err.value.user_message.startswith(
        "GoToAssist refused the request as incomplete, or the support portal is not set up."
    )
    assert "sessionType" in err.value.user_message


async def test_401_for_an_unknown_token_and_for_a_token_without_a_seat(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.add_token("seatless", seat=False)
    for token in ("not-a-token", "seatless"):
        with pytest.raises(Unauthorized) as err:
            await client.create_session(token, ATTENDED)
        assert err.value.status == 401
        assert "Remote Support seat" in err.value.user_message


async def test_403_missing_role(client: GoToAssistClient, g2a: GoToAssistStandIn) -> None:
    g2a.add_token("no-role", forbidden=True)
    with pytest.raises(Forbidden) as err:
        await client.create_session("no-role", ATTENDED)
    assert err.value.invalid_token is False
    assert "role" in err.value.user_message


async def test_403_invalid_token_body(client: GoToAssistClient, g2a: GoToAssistStandIn) -> None:
    g2a.add_token("expired", expired=True)
    with pytest.raises(Forbidden) as err:
        await client.get_session("expired", "whatever")
    assert err.value.invalid_token is True
    assert "invalid or expired" in err.value.user_message


async def test_404_unknown_machine_on_create(client: GoToAssistClient) -> None:
    with pytest.raises(NotFound) as err:
        await client.create_session(TOKEN, CreateSessionRequest(machine_uuid="nope"))
    assert "machine" in err.value.user_message


async def test_404_on_get_for_unknown_and_for_another_tokens_session(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.add_token("other-tech")
    created = await client.create_session(TOKEN, ATTENDED)
    for token, ref in ((TOKEN, "123456789"), ("other-tech", created.session_token)):
        with pytest.raises(NotFound) as err:
            await client.get_session(token, ref)
        assert err.value.user_message == "GoToAssist has no such session for this account."


async def test_405(client: GoToAssistClient, g2a: GoToAssistStandIn) -> None:
    g2a.fail_next("create", 405)
    with pytest.raises(MethodNotAllowed) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert err.value.status == 405


async def test_429_on_create_is_retried_after_retry_after(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    """A 429 is refused before any session exists, so it is safe to send again."""
    g2a.fail_next("create", 429, retry_after=0.6)
    created = await client.create_session(TOKEN, ATTENDED)
    first, second = g2a.requests
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 0.6
    assert list(g2a.sessions) == [created.session_token]


async def test_429_storm_on_create_is_raised_with_retry_after(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.fail_next("create", 429, count=10, retry_after=60)
    with pytest.raises(RateLimited) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert err.value.retry_after == 60.0
    assert "rate limiting" in err.value.user_message
    assert len(g2a.requests) == 1  # told to wait longer than is worth it: no retry
    assert g2a.sessions == {}


async def test_500_on_create_is_not_retried(
    client: GoToAssistClient, g2a: GoToAssistStandIn, calls: Calls
) -> None:
    g2a.fail_next("create", 500, count=5)
    with pytest.raises(ServerError) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert err.value.user_message == "GoToAssist had an internal error (HTTP 500)."
    assert [r.method for r in g2a.requests] == ["POST"]
    assert calls == [("POST /sessions", "http_500")]


async def test_timeout_on_create_is_not_retried(
    make_client: Callable[..., GoToAssistClient], g2a: GoToAssistStandIn, calls: Calls
) -> None:
    g2a.hang_next("create")
    with pytest.raises(Timeout) as err:
        await make_client(timeout_s=0.3).create_session(TOKEN, ATTENDED)
    assert err.value.user_message == "GoToAssist did not answer within 0.3 seconds."
    assert [r.method for r in g2a.requests] == ["POST"]
    assert calls == [("POST /sessions", "timeout")]


async def test_error_text_is_clipped_and_never_holds_the_token(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.fail_next("create", 400, body={"message": f"bad header {TOKEN} " + "x" * 500})
    with pytest.raises(BadRequest) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert TOKEN not in err.value.user_message
    assert "[redacted]" in err.value.detail
    assert len(err.value.detail) <= 200


async def test_unexpected_status_is_a_plain_gotoassist_error(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.fail_next("create", 418, body="teapot")
    with pytest.raises(GoToAssistError) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert err.value.status == 418
    assert "418" in err.value.user_message


# -- connection failures ----------------------------------------------------------------------


async def test_create_is_retried_while_the_port_refuses_connections(
    make_client: Callable[..., GoToAssistClient], calls: Calls
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/G2A/rest/v1"
    client = make_client(base_url=base_url, get_retries=2)
    with pytest.raises(Unreachable) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert err.value.request_sent is False
    assert err.value.user_message == "Could not reach GoToAssist."
    assert calls == [("POST /sessions", "unreachable")] * 3


@pytest.mark.parametrize(("operation", "attempts"), [("create", 1), ("get", 3)])
async def test_connection_dropped_after_sending(
    make_client: Callable[..., GoToAssistClient], calls: Calls, operation: str, attempts: int
) -> None:
    """A create that may have reached GoToAssist is never repeated; a read is."""
    received = 0

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal received
        await reader.readuntil(b"\r\n\r\n")
        received += 1
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        client = make_client(base_url=f"http://127.0.0.1:{port}/G2A/rest/v1", get_retries=2)
        with pytest.raises(Unreachable) as err:
            if operation == "create":
                await client.create_session(TOKEN, ATTENDED)
            else:
                await client.get_session(TOKEN, "123")
    assert err.value.request_sent is True
    assert len(calls) == attempts
    if operation == "create":
        assert received == 1
    else:  # aiohttp itself also retries an idempotent GET once on a dropped connection
        assert received >= attempts


# -- GET retries ------------------------------------------------------------------------------


async def test_get_retries_through_a_burst_of_500s(
    client: GoToAssistClient, g2a: GoToAssistStandIn, calls: Calls
) -> None:
    created = await client.create_session(TOKEN, ATTENDED)
    g2a.fail_next("get", 500, count=2)
    info = await client.get_session(TOKEN, created.session_token)
    assert info.status is SessionStatus.NOT_STARTED
    assert [r.status for r in g2a.requests if r.method == "GET"] == [500, 500, 200]
    assert calls[1:] == [("GET /sessions", "http_500")] * 2 + [("GET /sessions", "ok")]


async def test_get_waits_at_least_retry_after(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    created = await client.create_session(TOKEN, ATTENDED)
    g2a.fail_next("get", 429, retry_after=0.6)
    await client.get_session(TOKEN, created.session_token)
    first, second = (r for r in g2a.requests if r.method == "GET")
    assert (first.status, second.status) == (429, 200)
    assert second.time - first.time >= 0.6


async def test_get_gives_up_after_its_retries(
    make_client: Callable[..., GoToAssistClient], g2a: GoToAssistStandIn
) -> None:
    g2a.fail_next("get", 503, count=10)
    with pytest.raises(ServerError) as err:
        await make_client(get_retries=1).get_session(TOKEN, "123")
    assert err.value.status == 503
    assert len(g2a.requests) == 2


async def test_get_retries_after_a_timeout(
    make_client: Callable[..., GoToAssistClient], g2a: GoToAssistStandIn, calls: Calls
) -> None:
    client = make_client(timeout_s=0.3)
    created = await client.create_session(TOKEN, ATTENDED)
    g2a.hang_next("get")
    info = await client.get_session(TOKEN, created.session_token)
    assert info.customer_name == "Jane Doe"
    assert calls[1:] == [("GET /sessions", "timeout"), ("GET /sessions", "ok")]


async def test_get_does_not_retry_a_client_error(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    with pytest.raises(NotFound):
        await client.get_session(TOKEN, "123")
    assert len(g2a.requests) == 1


# -- the client-side rate limiter -------------------------------------------------------------


async def test_limiter_keeps_one_token_within_ten_per_second(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    results = await asyncio.gather(
        *(client.get_session(TOKEN, "123") for _ in range(30)), return_exceptions=True
    )

    assert all(isinstance(r, NotFound) for r in results)  # answered, never rate limited
    times = sorted(r.time for r in g2a.requests)
    assert len(times) == 30
    assert all(times[i + 10] - times[i] >= 1.0 for i in range(len(times) - 10))


async def test_limiter_is_per_token(client: GoToAssistClient, g2a: GoToAssistStandIn) -> None:
    g2a.add_token("second-tech")
    calls = [client.get_session(t, "1") for t in (TOKEN, "second-tech") for _ in range(10)]
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(r, NotFound) for r in results)
    times = sorted(r.time for r in g2a.requests)
    assert times[-1] - times[0] < 1.0  # 20 requests, no waiting: each token used only 10


# -- invalid answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["<html>not json</html>", {"status": "paused", "sessionId": "1"}, {"sessionId": "1"}, [1]],
)
async def test_unreadable_get_answer(
    client: GoToAssistClient, g2a: GoToAssistStandIn, calls: Calls, body: Any
) -> None:
    g2a.fail_next("get", 200, body=body)
    with pytest.raises(InvalidResponse) as err:
        await client.get_session(TOKEN, "1")
    assert err.value.user_message == "GoToAssist sent a response that could not be read."
    assert calls == [("GET /sessions", "invalid_response")]


async def test_create_answer_without_launch_url_is_invalid_and_not_quoted(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    g2a.fail_next("create", 200, body={"sessionToken": "secret-session-token"})
    with pytest.raises(InvalidResponse) as err:
        await client.create_session(TOKEN, ATTENDED)
    assert "startScreenSharing" in err.value.detail
    assert "secret-session-token" not in err.value.detail
    assert err.value.__cause__ is None


async def test_malformed_token_is_refused_before_sending(
    client: GoToAssistClient, g2a: GoToAssistStandIn
) -> None:
    for token in ("", "abc\r\nX-Evil: 1", " padded "):
        with pytest.raises(Unauthorized, match="malformed") as err:
            await client.get_session(token, "1")
        assert err.value.status is None
        assert "abc" not in str(err.value)
    assert g2a.requests == []


# -- models ------------------------------------------------------------------------------------


def test_session_info_tolerates_unknown_fields_and_missing_optionals() -> None:
    info = SessionInfo.model_validate({"status": "complete", "brandNewField": {"x": 1}})
    assert info.status is SessionStatus.COMPLETE
    assert info.session_id is None and info.collaborators == []


def test_session_info_coerces_numbers_and_timestamps() -> None:
    info = SessionInfo.model_validate(
        {
            "status": "active",
            "sessionId": 123456789,
            "partnerObject": 4521,
            "accountKey": 4200000001,
            "startedAt": "2025-03-01T10:00:00Z",
            "customerJoinedAt": "2025-03-01T10:01:00.250+01:00",
            "endedAt": "2025-03-01T10:30:00",
        }
    )
    assert (info.session_id, info.partner_object, info.account_key) == (
        "123456789",
        "4521",
        "4200000001",
    )
    assert info.started_at == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert info.customer_joined_at is not None and info.customer_joined_at.tzinfo is not None
    assert info.ended_at == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)


def test_unknown_status_fails_validation() -> None:
    with pytest.raises(ValidationError):
        SessionInfo.model_validate({"status": "paused"})
    with pytest.raises(ValidationError):
        SessionInfo.model_validate({"sessionId": "1"})


def test_collaborator_names_from_any_shape() -> None:
    info = SessionInfo.model_validate(
        {
            "status": "complete",
            "collaborators": [
                "Ann",
                {"expertName": "Bo"},
                {"displayName": "Cy", "id": 3},
                {"email": "di@example.com"},
                {"id": 5},
                None,
            ],
        }
    )
    assert info.collaborator_names() == ["Ann", "Bo", "Cy", "di@example.com", "{'id': 5}"]
    form = SessionInfo.model_validate({"status": "complete", "collaborators": '["Ann"]'})
    assert form.collaborator_names() == ["Ann"]


def test_create_request_body_omits_absent_fields() -> None:
    body = CreateSessionRequest(partner_object=77, customer_name="Jo").to_json_body()
    assert body == {"sessionType": "SCREEN_SHARING", "partnerObject": "77", "customerName": "Jo"}
    by_alias = CreateSessionRequest.model_validate({"machineUuid": "m", "sessionType": "x"})
    assert by_alias.machine_uuid == "m"


def test_create_response_requires_token_and_launch_url() -> None:
    ok = CreateSessionResponse.model_validate(
        {"sessionToken": "t", "startScreenSharing": {"launchUrl": "https://l"}, "status": "new?"}
    )
    assert ok.launch_url == "https://l" and ok.status is None
    with pytest.raises(ValidationError):
        CreateSessionResponse.model_validate({"sessionToken": "t", "startScreenSharing": {}})
