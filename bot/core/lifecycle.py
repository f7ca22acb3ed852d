"""What adapters report about chats (gone, back, moved), recorded in one place.

Adapters see the platform's signals (a 403, a removal, a deleted channel, a supergroup
migration); this service decides what that means for the chat's stored state, so no adapter
writes chat state itself.
"""

from __future__ import annotations

import logging

from storage.models import ChatRef
from storage.repository import Repository

log = logging.getLogger(__name__)


class ChatLifecycle:
    """Chat reachability and identity, kept in the Repository."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    def unreachable(self, ref: ChatRef, reason: str) -> None:
        """The chat blocked or removed the bot, or no longer exists: stop sending to it.

        Its subscriptions are kept, so a chat that comes back finds them again.
        """
        chat = self._repo.get_chat(ref)
        if chat is None or not chat.active:
            return
        self._repo.deactivate_chat(ref, reason)
        log.warning("%s chat %s is unreachable (%s): deactivated", ref.platform, ref.chat_id, reason)

    def reachable(self, ref: ChatRef) -> None:
        """The chat wrote to us or added the bot again: serve it again."""
        chat = self._repo.get_chat(ref)
        if chat is not None and not chat.active:
            self._repo.update_chat(ref, active=True)
            log.info("%s chat %s is back; reactivated", ref.platform, ref.chat_id)

    def moved(self, old: ChatRef, new: ChatRef) -> None:
        """The chat lives on under a new id (a Telegram group became a supergroup)."""
        if old == new:
            return
        self._repo.migrate_chat(old, new)
        log.info("%s chat %s moved to %s; its data moved with it", old.platform, old.chat_id, new.chat_id)
