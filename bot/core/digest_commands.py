"""/digest: the next digest, now. It counts: what it sends is not sent again."""

from __future__ import annotations

from bot.core.digest import Digests
from bot.core.messages import Incoming, Reply, Tone
from bot.core.notices import digest_reply
from bot.core.quota import SummaryQuota


class DigestCommands:
    """The /digest command, plugged into the dispatcher as a CommandGroup."""

    names = frozenset({"digest"})

    def __init__(self, digests: Digests, quota: SummaryQuota | None = None) -> None:
        self._digests = digests
        self._quota = quota

    async def handle(self, name: str, args: str, incoming: Incoming) -> Reply:
        """Send the digest through the chat's platform; answer (in the chat's language) only
        when there is nothing to send."""
        budget = self._quota.budget(incoming) if self._quota is not None else None
        outcome = await self._digests.run(incoming.chat, trigger="command", budget=budget)
        if outcome.status == "sent":
            return Reply(())
        status = outcome.status
        if status == "failed" and outcome.record is not None:
            status = "send-failed"  # planned, then the platform failed (not arXiv)
        language = self._digests.language(incoming.chat)
        text = digest_reply(status, language, detail=outcome.detail or "no access")
        if text is None:
            return Reply(())
        tone = Tone.ERROR if status in ("failed", "send-failed", "unreachable") else Tone.INFO
        return Reply.notice(text, tone)
