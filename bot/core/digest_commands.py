"""/digest: the next digest, now. It counts: what it sends is not sent again."""

from __future__ import annotations

from bot.core.digest import Digests
from bot.core.messages import Incoming, Reply, Tone
from bot.core.quota import SummaryQuota

_REPLIES = {
    "nothing-new": "Nothing new since your last digest. arXiv announces new papers Sunday to "
                   "Thursday at 20:00 US Eastern time.",
    "no-matches": "No new papers matched this chat's topics in arXiv's latest listing. /list "
                  "shows them; /subscribe adds more (free text is matched against titles and "
                  "abstracts).",
    "no-subscriptions": "This chat has no subscriptions yet. Start with /subscribe <topic>, "
                        "e.g. /subscribe cs.CV or /subscribe talking head generation.",
    "not-ready": "arXiv has not published today's listing yet. Try again in a little while.",
    "failed": "arXiv is not answering right now, so I could not build the digest. "
              "Please try again in a few minutes.",
    "send-failed": "Sending the digest failed; it will be finished later, without repeating "
                   "what already arrived.",
    "unreachable": "I could not post the digest here ({detail}), so digests to this chat are "
                   "stopped. Give me back the rights to post here (on Discord: View Channel, "
                   "Send Messages, Embed Links), then send any command to turn them on again.",
}


class DigestCommands:
    """The /digest command, plugged into the dispatcher as a CommandGroup."""

    names = frozenset({"digest"})

    def __init__(self, digests: Digests, quota: SummaryQuota | None = None) -> None:
        self._digests = digests
        self._quota = quota

    async def handle(self, name: str, args: str, incoming: Incoming) -> Reply:
        """Send the digest through the chat's platform; answer only when there is nothing to send."""
        budget = self._quota.budget(incoming) if self._quota is not None else None
        outcome = await self._digests.run(incoming.chat, trigger="command", budget=budget)
        if outcome.status == "sent":
            return Reply(())
        status = outcome.status
        if status == "failed" and outcome.record is not None:
            status = "send-failed"  # planned, then the platform failed (not arXiv)
        text = _REPLIES.get(status)
        if text is None:
            return Reply(())
        tone = Tone.ERROR if status in ("failed", "send-failed", "unreachable") else Tone.INFO
        return Reply.notice(text.format(detail=outcome.detail or "no access"), tone)
