"""The listeners as registered on the real app, through signed requests on loopback: the
deps middleware reaches them, and the form refuses an unlinked technician as the command does."""

from __future__ import annotations

from bot.slack import modal
from tests.e2e.helpers import interactive_body, post_signed, view_submission_payload
from tests.oauth.helpers import START_TEXT, creates, oauth_rig, slash, wait_response

from .helpers import login_button_url


async def test_command_and_form_both_offer_the_sign_in_button(sqlite_url: str) -> None:
    async with oauth_rig(sqlite_url, gotoassist_access_token=None) as rig:
        command = await slash(rig, START_TEXT)
        assert command.status == 200
        prompt = await wait_response(rig, command)
        assert login_button_url(prompt["blocks"]) is not None

        payload = view_submission_payload(
            user="UTECH1",
            channel="CSUPPORT",
            values={modal.NAME_BLOCK: {modal.NAME_ACTION: "Jane Doe"}},
        )
        status, answer = await post_signed(rig, interactive_body(payload))
        assert status == 200
        assert isinstance(answer, dict), answer
        assert answer["response_action"] == "update"
        url = login_button_url(answer["view"]["blocks"])
        assert url is not None and url.startswith(f"{rig.base_url}/goto/oauth/start?state=")
        assert not creates(rig)
        assert not rig.slack.messages("CSUPPORT")
