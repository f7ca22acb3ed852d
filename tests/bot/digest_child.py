"""A paperboy process for the kill -9 test: runs the due digests of the given chats through the
real services and TelegramPlatform (fixed clock), then prints DONE. The test kills it at
random points and starts it again.

    python -m tests.bot.digest_child '<json: db, urls, chats>'
"""

from __future__ import annotations

import asyncio
import json
import sys

from pydantic import SecretStr

from bot.app import open_services
from bot.core.lifecycle import ChatLifecycle
from bot.platforms.telegram_bot import TelegramPlatform
from config.settings import (
    ArxivSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from storage.models import ChatRef
from tests.bot.test_digest import TOKEN, TUESDAY_8AM, Clock


async def main(spec: dict[str, object]) -> None:
    urls = spec["urls"]
    assert isinstance(urls, dict)
    settings = Settings(
        storage=StorageSettings(path=str(spec["db"])),
        arxiv=ArxivSettings(api_url=urls["api"], feed_url=urls["feed"], html_url=urls["html"],
                            pdf_url=urls["pdf"], abs_url=urls["abs"], min_interval_s=0.0,
                            timeout_s=2, retries=1),
        summarizer=SummarizerSettings(backend="extractive"),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_base_url=urls["tg"],
                                  api_file_url=urls["tg_file"], poll_timeout_s=1,
                                  per_chat_interval_s=float(spec["interval"]),  # type: ignore[arg-type]
                                  send_retries=1),
    )
    async with open_services(settings, clock=Clock(TUESDAY_8AM)) as services:
        platform = TelegramPlatform(settings.telegram, services.commands, ChatLifecycle(services.repo))
        async with platform:
            services.digests.platforms[platform.name] = platform
            await services.digests.resume_incomplete()
            chats = spec["chats"]
            assert isinstance(chats, list)
            await asyncio.gather(*(
                services.digests.run(ChatRef("telegram", str(c)), trigger="schedule",
                                     due_at=TUESDAY_8AM)
                for c in chats
            ))
    print("DONE", flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
