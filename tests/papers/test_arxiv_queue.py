"""The process's one arXiv queue: a request someone waits for (urgent_arxiv) goes ahead of
digest traffic queued before it."""

from __future__ import annotations

import asyncio
import threading

from papers.source import run_on_arxiv_thread, urgent_arxiv


async def test_an_urgent_request_overtakes_the_queue() -> None:
    release = threading.Event()
    done: list[str] = []

    def job(name: str) -> None:
        done.append(name)

    busy = asyncio.ensure_future(run_on_arxiv_thread(release.wait, 10))
    await asyncio.sleep(0)
    digests = [asyncio.ensure_future(run_on_arxiv_thread(job, f"digest {i}")) for i in range(5)]
    await asyncio.sleep(0)
    with urgent_arxiv():
        reader = asyncio.ensure_future(run_on_arxiv_thread(job, "reader"))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(busy, reader, *digests)
    assert done[0] == "reader" and done[1:] == [f"digest {i}" for i in range(5)]
