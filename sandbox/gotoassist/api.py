"""The GoToAssist API: ``POST /sessions`` and ``GET /sessions/{id or token}``, with auth, rate
limits, latency and injected faults."""

from __future__ import annotations

import json
import math
import secrets
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.gotoassist.records import (
    PUBLIC_HOST,
    Account,
    Fault,
    Handler,
    RecordedRequest,
    Route,
    StandInSession,
    scalar_str,
    token_fingerprint,
)
from sandbox.gotoassist.sessions import SessionControl

_CREATE_FIELDS = (
    "sessionStatusCallbackUrl",
    "partnerObject",
    "partnerObjectUrl",
    "customerName",
    "customerEmail",
    "machineUuid",
)


class GoToAssistApi(SessionControl):
    """The API routes."""

    def _api(self, route: Route, method: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            record = await self._record(request, route)
            response = await self._answer(request, record, route, method)
            record.status = response.status
            return response

        return handle

    async def _record(self, request: web.Request, route: Route) -> RecordedRequest:
        arrived = time.monotonic()
        scheme, token = parse_auth(request.headers.get("Authorization"))
        fingerprint = token_fingerprint(token) if token else None
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            route=route,
            headers=recordable_headers(request, scheme, fingerprint),
            auth_scheme=scheme,
            token_fingerprint=fingerprint,
            json=body,
            time=arrived,
            received_at=datetime.now(UTC),
            account=self.oauth.principal_of(token),
        )
        (self.directory_requests if route == "directory" else self.requests).append(record)
        return record

    async def _answer(
        self, request: web.Request, record: RecordedRequest, route: Route, method: str
    ) -> web.StreamResponse:
        if request.method != method:
            return error_response(
                405, "MethodNotAllowed", f"Use {method}", headers={"Allow": method}
            )
        wait = self._over_rate(record.token_fingerprint or "-", record.time)
        if wait is not None:
            retry = str(max(1, math.ceil(wait)))
            return error_response(
                429, "TooManyRequests", "Rate limit exceeded", {"Retry-After": retry}
            )
        injected = await self._gate(route)
        if injected is not None:
            return injected
        _, token = parse_auth(request.headers.get("Authorization"))
        denied = self._authorize(token)
        if denied is not None:
            return denied
        assert token is not None
        if route == "create":
            return self._create(record.json, token)
        if route == "directory":
            return self._directory(request)
        return self._get(request.match_info["ref"], token)

    async def _gate(self, route: Route) -> web.Response | None:
        """Latency, then an injected fault (or a hang until stop) for ``route``, if any."""
        await self._pause(self._latency[route])
        if self._faults[route]:
            fault = self._faults[route].popleft()
            if fault.status is None:
                await self._stopping.wait()
                return error_response(503, "ShuttingDown", "The stand-in is stopping")
            return fault_response(fault)
        return None

    def _authorize(self, token: str | None) -> web.Response | None:
        if token is not None and token not in self.tokens:
            return self._authorize_oauth(token)
        if token is None:
            return error_response(401, "AuthFailure", "Invalid or missing access token")
        account = self._accounts.get(token, Account())
        if account.expired:
            return invalid_token(403)
        if not account.seat:
            return error_response(401, "NoSeat", "The technician has no Remote Support seat")
        if account.forbidden:
            return error_response(403, "Forbidden", "User does not have the required roles")
        return None

    def _authorize_oauth(self, token: str) -> web.Response | None:
        check = self.oauth.identify(token)
        if check is None or check.state == "revoked":
            return error_response(401, "AuthFailure", "Invalid or missing access token")
        if check.state == "expired":
            return invalid_token(self.oauth.expired_token_status)
        if not check.user.seat:
            return error_response(401, "NoSeat", "The technician has no Remote Support seat")
        return None

    def _expert(self, token: str) -> tuple[str, str, str]:
        """(owner, name, email) of the account behind a token that passed ``_authorize``."""
        check = None if token in self.tokens else self.oauth.identify(token)
        if check is not None:
            return check.user.user_key, check.user.name, check.user.email
        account = self._accounts.get(token, Account())
        return token_fingerprint(token), account.expert_name, "technician@stand-in.invalid"

    def _over_rate(self, key: str, now: float) -> float | None:
        """Seconds until a slot frees when over the per-token limit, else None (and count it)."""
        if self.rate_limit_per_s <= 0:
            return None
        window = self._rate.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.rate_limit_per_s:
            return window[0] + 1.0 - now
        window.append(now)
        return None

    def _create(self, body: Any, token: str) -> web.Response:
        if not isinstance(body, dict):
            return error_response(400, "InvalidRequest", "The body must be a JSON object")
        session_type = body.get("sessionType")
        if not isinstance(session_type, str) or session_type.upper() != "SCREEN_SHARING":
            return error_response(400, "InvalidRequest", "sessionType is required: SCREEN_SHARING")
        fields = {key: body.get(key) for key in _CREATE_FIELDS}
        if body.get("partnerObject") is not None and not isinstance(body["partnerObject"], bool):
            fields["partnerObject"] = scalar_str(body["partnerObject"])
        bad = [
            key for key, value in fields.items() if value is not None and not isinstance(value, str)
        ]
        if bad:
            return error_response(400, "InvalidRequest", f"Not a string: {', '.join(bad)}")
        machine = fields["machineUuid"]
        if machine and machine not in self.machines:
            return error_response(404, "NotFound", "Machine not found")
        owner, expert_name, expert_email = self._expert(token)
        session = StandInSession(
            session_token=secrets.token_urlsafe(18),
            owner=owner,
            launch_url=f"{PUBLIC_HOST}/launch/{secrets.token_urlsafe(16)}",
            customer_join_url=f"{PUBLIC_HOST}/join/{self._rng.randrange(10**8, 10**9)}",
            created_at=datetime.now(UTC),
            expert_name=expert_name,
            expert_email=expert_email,
            session_type=session_type.upper(),
            callback_url=fields["sessionStatusCallbackUrl"] or None,
            customer_name=fields["customerName"],
            customer_email=fields["customerEmail"],
            partner_object=fields["partnerObject"],
            partner_object_url=fields["partnerObjectUrl"],
            machine_uuid=machine or None,
            machine_name=self.machines.get(machine) if machine else None,
        )
        self.sessions[session.session_token] = session
        answer: dict[str, Any] = {
            "sessionToken": session.session_token,
            "startScreenSharing": {"launchUrl": session.launch_url},
        }
        if self.include_join_url_in_create:
            answer["customerJoinUrl"] = session.customer_join_url
        return web.json_response(answer)

    def _directory(self, request: web.Request) -> web.Response:
        """``GET /companies?q=&limit=&offset=`` and ``GET /companies/{id}/machines``, paged."""
        try:
            limit = int(request.query.get("limit", "50"))
            offset = int(request.query.get("offset", "0"))
        except ValueError:
            return error_response(400, "InvalidRequest", "limit and offset must be integers")
        if limit < 1 or offset < 0:
            return error_response(400, "InvalidRequest", "limit must be >= 1 and offset >= 0")
        end = offset + min(limit, self.directory_page_max)
        company_id = request.match_info.get("company")
        if company_id is None:
            q = request.query.get("q", "").casefold()
            found = [
                {"companyId": cid, "companyName": name, "machineCount": None}
                for cid, name in self.companies.items()
                if q in name.casefold()
            ]
            return web.json_response(
                {"totalNumCompanies": len(found), "companies": found[offset:end]}
            )
        if company_id not in self.companies:
            return error_response(404, "NotFound", "The company could not be found")
        machines = [m.listed() for m in self.machine_records.values() if m.company_id == company_id]
        return web.json_response(
            {"totalNumMachines": len(machines), "machines": machines[offset:end]}
        )

    def _get(self, ref: str, token: str) -> web.Response:
        owner, _, _ = self._expert(token)
        try:
            session = self.find(ref)
        except KeyError:
            session = None
        if session is None or session.owner != owner:
            return error_response(404, "NotFound", "The session could not be found")
        return web.json_response(session.info())


def parse_auth(header: str | None) -> tuple[str | None, str | None]:
    """(scheme, token) from ``Bearer <t>`` or ``OAuth oauth_token=<t>``."""
    if not header:
        return None, None
    scheme, _, rest = header.strip().partition(" ")
    rest = rest.strip()
    if scheme.lower() == "bearer":
        return "Bearer", rest or None
    if scheme.lower() == "oauth":
        for part in rest.split(","):
            key, _, value = part.strip().partition("=")
            if key == "oauth_token":
                return "OAuth", value.strip('"') or None
        return "OAuth", None
    return scheme, None


def recordable_headers(
    request: web.Request, scheme: str | None, fingerprint: str | None
) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    if scheme is not None:
        headers["Authorization"] = f"{scheme} <token {fingerprint or 'unreadable'}>"
    return headers


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"errorCode": code, "message": message}, status=status, headers=headers
    )


def invalid_token(status: int) -> web.Response:
    """The gateway's answer to an expired token."""
    return web.json_response(
        {"int_err_code": "InvalidToken", "msg": "Invalid token passed"}, status=status
    )


def fault_response(fault: Fault) -> web.Response:
    assert fault.status is not None
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    if fault.body is None:
        return error_response(fault.status, "InjectedFault", "Injected failure", headers)
    if isinstance(fault.body, str):
        return web.Response(status=fault.status, text=fault.body, headers=headers)
    return web.json_response(fault.body, status=fault.status, headers=headers)
