"""The command dispatcher fed anything a chat can send (commands with hostile arguments,
links, noise; private or group; admin or not): it answers with a Reply or stays quiet, never
raises. It runs the real services against the loopback arXiv fake."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.app import open_services
from bot.core.messages import ChatRef, Incoming, Reply
from bot.core.registry import COMMANDS
from config.settings import ArxivSettings, Settings, StorageSettings
from tests.fakes.arxiv_api import ArxivFake
from tests.strategies import TEXT

NAMES = [spec.name for spec in COMMANDS] + ["start", "quit", "unknown", "SUMMARIZE"]
ARGUMENTS = st.one_of(
    TEXT,
    st.sampled_from(["2410.13726", "2410.13726 zz", "on", "off", "1 off", "foo off", "0", "99",
                     "25:99", "7:30pm", "Mars/Olympus", "Europe/Berlin", "klingon", "日本語",
                     "cat:cs.CV AND (abs:x", "cs.CV -survey", "-1", "1,2,3", "９"]),
)  # fmt: skip
MESSAGES = st.one_of(
    st.builds(lambda name, bot, args: f"/{name}{bot} {args}", st.sampled_from(NAMES),
              st.sampled_from(["", "@paperboy_bot", "@other_bot"]), ARGUMENTS),
    TEXT,
    st.builds(lambda t: f"look https://arxiv.org/abs/{t}", TEXT),
)


def test_the_dispatcher_answers_anything_without_raising(tmp_path: Path) -> None:
    with ArxivFake() as arxiv:
        settings = Settings(
            storage=StorageSettings(path=tmp_path / "fuzz.db"),
            arxiv=ArxivSettings(api_url=arxiv.api_url, feed_url=arxiv.feed_url,
                                html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                                abs_url=arxiv.abs_url, min_interval_s=0.0, timeout_s=2, retries=0),
        )
        loop = asyncio.new_event_loop()
        opened = open_services(settings)
        services = loop.run_until_complete(opened.__aenter__())

        @given(MESSAGES, st.booleans(), st.booleans(), st.integers(1, 3))
        def check(text: str, group: bool, manager: bool, chat: int) -> None:
            incoming = Incoming(ChatRef("telegram", str(-chat if group else chat)), "u1", text,
                                is_group=group, can_manage=manager or not group)
            reply = loop.run_until_complete(services.commands.handle(incoming))
            assert reply is None or isinstance(reply, Reply)

        try:
            check()
        finally:
            loop.run_until_complete(opened.__aexit__(None, None, None))
            loop.close()
