from bot.sandbox.rig import Rig, wait_until


async def test_card_appears(rig: Rig) -> None:
    status, _ack = await rig.slash("Jane Doe jane@example.com #4521")
    assert status == 200
    await wait_until(lambda: len(rig.slack.messages("CSUPPORT", replies=False)) == 1, what="card")
