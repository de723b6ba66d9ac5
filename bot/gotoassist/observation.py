"""GoToAssist's session payloads as domain observations."""

from __future__ import annotations

from bot.gotoassist.models import SessionInfo
from bot.sessions.lifecycle import Observation


def to_observation(info: SessionInfo) -> Observation:
    return Observation(
        status=info.status,
        goto_session_id=info.session_id,
        customer_join_url=info.customer_join_url,
        expert_name=info.expert_name,
        machine_name=info.unattended_machine_name,
        started_at=info.started_at,
        customer_joined_at=info.customer_joined_at,
        ended_at=info.ended_at,
        notes=info.notes,
        recording_url=info.session_recording_url,
        collaborators=tuple(info.collaborator_names()),
    )
