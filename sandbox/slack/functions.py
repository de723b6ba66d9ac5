"""Workflow Builder custom steps: ``function_executed`` events for the app to receive, and
``functions.completeSuccess`` / ``functions.completeError`` recorded per execution."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from sandbox.slack.records import JSON, SlackError, opt_str
from sandbox.slack.state import SlackState


class FunctionMethods(SlackState):
    """What a workflow run does with the app's custom step."""

    def function_executed(
        self, callback_id: str, inputs: dict[str, Any], *, team_id: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """A run of the step: (its execution id, the Events API body Slack would POST). The
        execution's own token (``bot_access_token``) is what completes it."""
        execution_id = f"Fx{secrets.token_hex(5).upper()}"
        token = f"xwfp-{secrets.token_hex(8)}"
        self._tokens.add(token)
        self.function_executions[execution_id] = {"state": "running", "token": token}
        team = team_id or self.team_id
        body = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": self.app_id,
            "type": "event_callback",
            "event_id": f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "event": {
                "type": "function_executed",
                "function": {
                    "id": f"Fn{secrets.token_hex(4).upper()}",
                    "callback_id": callback_id,
                    "title": "Start a remote support session",
                    "type": "app",
                    "app_id": self.app_id,
                },
                "inputs": inputs,
                "function_execution_id": execution_id,
                "workflow_execution_id": f"Wf{secrets.token_hex(5).upper()}",
                "event_ts": f"{time.time():.6f}",
                "bot_access_token": token,
            },
        }
        return execution_id, body

    def function_result(self, execution_id: str) -> dict[str, Any] | None:
        """How the execution ended: {"state": "completed", "outputs": {...}} or {"state":
        "failed", "error": "..."}; None while it runs."""
        found = self.function_executions.get(execution_id)
        if found is None or found["state"] == "running":
            return None
        return {k: v for k, v in found.items() if k != "token"}

    def _running(self, params: dict[str, Any]) -> dict[str, Any]:
        execution_id = opt_str(params, "function_execution_id")
        found = self.function_executions.get(execution_id or "")
        if found is None:
            raise SlackError("function_execution_not_found")
        if found["state"] != "running":
            raise SlackError("execution_not_in_running_state")
        return found

    def _functions_complete_success(self, params: dict[str, Any]) -> JSON:
        found = self._running(params)
        outputs = params.get("outputs")
        if isinstance(outputs, str):
            try:
                outputs = json.loads(outputs)
            except ValueError:
                raise SlackError("parameter_validation_failed") from None
        if not isinstance(outputs, dict):
            raise SlackError("parameter_validation_failed")
        found.update(state="completed", outputs=outputs)
        return {"ok": True}

    def _functions_complete_error(self, params: dict[str, Any]) -> JSON:
        found = self._running(params)
        error = opt_str(params, "error")
        if not error:
            raise SlackError("invalid_arguments")
        found.update(state="failed", error=error)
        return {"ok": True}
