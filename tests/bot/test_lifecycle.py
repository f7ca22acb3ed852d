"""Chat lifecycle: what adapters report (gone, back, moved) is recorded by one core service."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Services, open_services
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import Incoming
from config.settings import load_settings
from storage.models import ChatRef

PRIVATE = ChatRef("discord", "555")


@pytest.fixture
async def services(paperboy_env: dict[str, str]) -> AsyncIterator[Services]:
    async with open_services(load_settings()) as opened:
        yield opened


async def test_a_deactivated_chat_is_served_again_when_it_writes(services: Services) -> None:
    """Unreachable keeps the subscriptions; any message from the chat turns it back on."""
    lifecycle = ChatLifecycle(services.repo)
    await services.commands.handle(Incoming(PRIVATE, "9", "/subscribe cs.CV", can_manage=True))
    lifecycle.unreachable(PRIVATE, "Missing Access")
    chat = services.repo.get_chat(PRIVATE)
    assert chat is not None and not chat.active
    assert [s.query for s in services.repo.subscriptions_for(PRIVATE)] == ["cs.CV"]
    await services.commands.handle(Incoming(PRIVATE, "9", "/list", can_manage=True))
    chat = services.repo.get_chat(PRIVATE)
    assert chat is not None and chat.active


async def test_a_moved_chat_keeps_its_subscriptions(services: Services) -> None:
    """A Telegram group that became a supergroup keeps its topics under the new id."""
    lifecycle = ChatLifecycle(services.repo)
    old, new = ChatRef("telegram", "-1"), ChatRef("telegram", "-1001")
    await services.commands.handle(
        Incoming(old, "7", "/subscribe cs.CV", is_group=True, can_manage=True)
    )
    lifecycle.moved(old, new)
    assert [s.query for s in services.repo.subscriptions_for(new)] == ["cs.CV"]
    assert services.repo.get_chat(old) is None


def test_unreachable_for_a_chat_never_seen_is_harmless(tmp_path: object) -> None:
    """A 403 for a chat we never stored records nothing and raises nothing."""
    from storage.repository import Repository

    with Repository.open(tmp_path / "x.db") as repo:  # type: ignore[operator]
        ChatLifecycle(repo).unreachable(ChatRef("discord", "1"), "Unknown Channel")
        assert repo.get_chat(ChatRef("discord", "1")) is None
