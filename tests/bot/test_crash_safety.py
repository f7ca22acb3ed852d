"""kill -9 at random points of a digest, 20 times, then a clean run: no message is lost, and
each kill costs each chat at most one repeated message (the one in flight when it died).

The bot runs in a child process (tests/bot/digest_child.py) against the loopback Telegram and
arXiv fakes of this process; the database survives the kills (SQLite WAL)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from storage.models import ChatRef
from storage.repository import Repository
from tests.bot.test_digest import TOKEN, cv_papers
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.telegram_api import TelegramFake

ROOT = Path(__file__).resolve().parents[2]
CHATS = [9101, 9102, 9103, 9104]
PAPERS = 24
KILLS = 20


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=TOKEN) as fake:
        yield fake


async def test_kill_9_mid_digest_loses_nothing_and_repeats_at_most_one_message_per_kill(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.3", PAPERS))
    db = tmp_path / "crash.db"
    with Repository.open(db) as repo:
        for chat in CHATS:
            ref = ChatRef("telegram", str(chat))
            repo.ensure_chat(ref)
            repo.update_chat(ref, timezone="Europe/Berlin", delivery_time="08:00", max_papers=PAPERS)
            repo.add_subscription(ref, "category", "cs.CV", "cs.CV")
    spec = json.dumps({
        "db": str(db), "interval": 0.25, "chats": CHATS,
        "urls": {"api": arxiv_server.api_url, "feed": arxiv_server.feed_url,
                 "html": arxiv_server.html_url, "pdf": arxiv_server.pdf_url,
                 "abs": arxiv_server.abs_url, "tg": tg.base_url, "tg_file": tg.base_file_url},
    })
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(20261204)
    kills, finished = 0, False
    while not finished:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot.digest_child", spec, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        if kills < KILLS:
            before = len(tg.calls("sendMessage"))
            waiting = asyncio.ensure_future(tg.wait_for_requests("sendMessage", before + 1, timeout=30))
            done, _ = await asyncio.wait({waiting, asyncio.ensure_future(child.wait())},
                                         return_when=asyncio.FIRST_COMPLETED)
            if waiting in done:  # sending is under way: die at a random point of it
                await asyncio.sleep(rng.uniform(0.0, 0.35))
                if child.returncode is None:
                    child.kill()
                    kills += 1
            else:
                waiting.cancel()
        out, err = await asyncio.wait_for(child.communicate(), 60)
        if child.returncode == 0:
            assert b"DONE" in out, err.decode()[-2000:]
            finished = True  # the digests are complete (a clean run after the kills)
        elif child.returncode != -9:
            pytest.fail(f"the bot exited with {child.returncode}: {err.decode()[-2000:]}")
    assert kills >= KILLS, f"the digests finished after {kills} kills: make them longer"
    for chat in CHATS:
        texts = Counter(m.visible for m in tg.sent_to(chat))
        assert len(texts) == 1 + PAPERS, f"chat {chat} lost messages"  # header + every card
        repeated = sum(n - 1 for n in texts.values())
        assert repeated <= kills, f"chat {chat}: {repeated} repeats for {kills} kills"
