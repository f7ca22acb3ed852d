"""The one command registry: /help and the menus come from it, and it decides who may run what."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Services, open_services
from bot.core.commands import HELP
from bot.core.messages import Incoming, Notice, Tone
from bot.core.registry import COMMANDS, MANAGERS_ONLY, Access, find
from bot.platforms.telegram_bot import MENU
from config.settings import load_settings
from storage.models import ChatRef

GROUP = ChatRef("telegram", "-4001")
ADMIN = Incoming(GROUP, "7", "", is_group=True, can_manage=True)
MEMBER = Incoming(GROUP, "8", "", is_group=True, can_manage=False)
CHANGING = [
    "/subscribe cs.CV", "/unsubscribe 1", "/unsubscribe all", "/time 07:00",
    "/timezone Europe/Berlin", "/lang zh", "/max 3", "/pause", "/resume", "/links on",
    "/compact on", "/crosslists off",
]  # fmt: skip


@pytest.fixture
async def services(paperboy_env: dict[str, str]) -> AsyncIterator[Services]:
    async with open_services(load_settings()) as opened:
        yield opened


async def say(services: Services, text: str, who: Incoming) -> Notice:
    """Type ``text`` as ``who``; the one notice the user reads."""
    incoming = Incoming(who.chat, who.user_id, text, is_group=who.is_group,
                        can_manage=who.can_manage)
    reply = await services.commands.handle(incoming)
    assert reply is not None and len(reply.items) == 1 and isinstance(reply.items[0], Notice)
    return reply.items[0]


@pytest.mark.parametrize("command", CHANGING)
async def test_members_who_cannot_manage_the_chat_change_nothing(
    services: Services, command: str
) -> None:
    """Every changing command gets the polite refusal and leaves the chat as it was."""
    await say(services, "/subscribe hep-th", ADMIN)
    before = services.repo.get_chat(GROUP)
    notice = await say(services, command, MEMBER)
    assert notice.tone is Tone.WARNING
    name = command.split()[0].removeprefix("/")
    assert notice.text == MANAGERS_ONLY.format(name=name)
    assert notice.text.startswith("Only the chat's admins (on Discord: members who can manage")
    assert services.repo.get_chat(GROUP) == before
    assert [s.query for s in services.repo.subscriptions_for(GROUP)] == ["hep-th"]


@pytest.mark.parametrize("command", ["/list", "/time", "/timezone", "/lang", "/subscribe", "/help"])
async def test_members_may_look(services: Services, command: str) -> None:
    """Looking is allowed for everyone: /list and settings without an argument."""
    notice = await say(services, command, MEMBER)
    assert not notice.text.startswith("Only the chat's admins")


@pytest.mark.parametrize("command", CHANGING)
async def test_managers_can_change_everything(services: Services, command: str) -> None:
    """The same commands work for a chat manager."""
    await say(services, "/subscribe hep-th", ADMIN)
    assert not (await say(services, command, ADMIN)).text.startswith("Only the chat's admins")


async def test_digest_in_a_group_is_for_managers(services: Services) -> None:
    """/digest in a group: members are refused, a manager gets the digest (here: no topics yet)."""
    refused = await say(services, "/digest", MEMBER)
    assert refused.text == MANAGERS_ONLY.format(name="digest")
    answered = await say(services, "/digest", ADMIN)
    assert answered.text.startswith("This chat has no subscriptions yet.")


async def test_an_adapter_that_forgets_can_manage_grants_nothing(services: Services) -> None:
    """Incoming.can_manage defaults to False: even in a private chat nothing changes."""
    forgot = Incoming(ChatRef("telegram", "1001"), "1001", "/subscribe cs.CV")
    reply = await services.commands.handle(forgot)
    assert reply is not None and isinstance(reply.items[0], Notice)
    assert reply.items[0].text.startswith("Only the chat's admins")
    assert services.repo.subscriptions_for(forgot.chat) == []


def test_help_and_the_telegram_menu_come_from_the_registry() -> None:
    """Every listed command is in /help with its description; the menu is the registry."""
    for spec in COMMANDS:
        if spec.section:
            assert f"/{spec.name}" in HELP
            if spec.name != "help":
                assert spec.description in HELP
    assert MENU == [(spec.name, spec.description) for spec in COMMANDS]
    assert all(len(spec.description) <= 100 for spec in COMMANDS)


def test_registry_rules() -> None:
    """Settings are managers-to-change, /digest /pause /resume managers-only, the rest anyone."""
    assert find("digest").access is Access.MANAGERS  # type: ignore[union-attr]
    assert find("pause").access is Access.MANAGERS  # type: ignore[union-attr]
    assert find("summarize").access is Access.ANYONE  # type: ignore[union-attr]
    assert find("time").access is Access.MANAGERS_TO_CHANGE  # type: ignore[union-attr]
    assert find("frobnicate") is None
