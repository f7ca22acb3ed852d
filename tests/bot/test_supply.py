"""PaperSupply (issue 9): a cycle's whole announcement is read once per archive set and free text
is matched locally; raw queries still search the API. Real feed and API clients against the
arXiv fake, a real Repository on a file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.supply import PaperSupply, fetchable_announcement
from config.settings import ArxivSettings
from papers.announcements import latest_announcement
from papers.feed import ArxivFeed
from papers.query import parse_topic
from papers.source import ArxivSource
from storage.repository import Repository
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import feed_entry

# Tuesday 17 Nov 2026, 07:00 UTC: the mailing dated the 17th (Monday 20:00 ET) is out.
NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
MAILING = date(2026, 11, 17)
CURRENT = fetchable_announcement(NOW)
PREVIOUS = latest_announcement(CURRENT - timedelta(minutes=1))

MakeSupply = Callable[..., PaperSupply]


@pytest.fixture
async def make_supply(tmp_path: Path, arxiv_server: ArxivFake) -> AsyncIterator[MakeSupply]:
    """PaperSupplies on one database, settings overridable by keyword (``feed_archives=…``)."""
    repo = Repository.open(tmp_path / "supply.db", clock=lambda: NOW)
    closing: list[Any] = []

    def make(**overrides: object) -> PaperSupply:
        settings = ArxivSettings(
            api_url=arxiv_server.api_url, feed_url=arxiv_server.feed_url, min_interval_s=0.0,
            timeout_s=2, retries=0,
        ).model_copy(update=overrides)  # fmt: skip
        feed, source = ArxivFeed(settings), ArxivSource(settings)
        closing.extend([feed, source])
        return PaperSupply(repo, feed, source, clock=lambda: NOW)

    yield make
    for client in closing:
        await client.aclose()
    repo.close()


def _titles(matches: tuple[Any, ...]) -> list[str]:
    return sorted(m.paper.title for m in matches)


def _serve_day(arxiv: ArxivFake) -> None:
    arxiv.set_listing("cs.CV", MAILING, [
        feed_entry("2611.10001", 1, "Video diffusion for talking heads", ["A. Chen"],
                   "We animate portraits with video diffusion.", categories=("cs.CV",)),
        feed_entry("2611.10002", 1, "A survey of video diffusion", ["B. Kim"],
                   "This survey covers video diffusion models.", categories=("cs.CV",)),
        feed_entry("2611.10003", 1, "Graph diffusion for molecules", ["C. Rossi"],
                   "We learn graph diffusion kernels.", categories=("cs.LG", "cs.CV")),
        feed_entry("2611.10004", 1, "Depth from focus", ["D. Sato"],
                   "Monocular depth estimation from focal stacks.", categories=("cs.CV",)),
    ])  # fmt: skip


async def test_free_text_topics_read_each_archive_set_once_and_never_search(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """Fifty distinct free-text topics: one feed request per configured archive set for the
    cycle, none to the API, and each topic gets exactly the papers with its words."""
    _serve_day(arxiv_server)
    arxiv_server.set_listing("stat.ML", MAILING, [
        feed_entry("2611.20001", 1, "Kernel diffusion in statistics", ["E. Silva"],
                   "A statistical view of diffusion.", categories=("stat.ML",)),
    ])  # fmt: skip
    supply = make_supply(feed_archives=("cs", "stat"))
    arxiv_server.clear_requests()
    topics = [parse_topic(f"diffusion {word}") for word in ["video", "graph", "kernel"]]
    topics += [parse_topic(f"unheard-of phrase number {i}") for i in range(47)]
    found = {t.query: await supply.matched(t, CURRENT, PREVIOUS) for t in topics}
    assert sorted(r.path for r in arxiv_server.feed_requests) == ["/atom/cs", "/atom/stat"]
    assert arxiv_server.query_requests == []
    assert _titles(found["diffusion video"]) == [
        "A survey of video diffusion", "Video diffusion for talking heads"
    ]
    assert _titles(found["diffusion graph"]) == ["Graph diffusion for molecules"]
    assert _titles(found["diffusion kernel"]) == [
        "Graph diffusion for molecules", "Kernel diffusion in statistics"
    ]
    assert sum(len(m) for m in found.values()) == 5  # the 47 others match nothing


async def test_a_category_restricts_free_text_and_exclusions_still_apply(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """"cs.LG diffusion" matches only cs.LG papers; "-survey" leaves the survey out."""
    _serve_day(arxiv_server)
    supply = make_supply()
    scoped = await supply.matched(parse_topic("cs.LG diffusion"), CURRENT, PREVIOUS)
    unscoped = await supply.matched(parse_topic("video diffusion -survey"), CURRENT, PREVIOUS)
    assert _titles(scoped) == ["Graph diffusion for molecules"]
    assert _titles(unscoped) == ["Video diffusion for talking heads"]


async def test_cross_lists_are_judged_by_the_topics_own_categories(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """The whole-archive feed lists a cs.LG paper as new; for a cs.CV topic it is a
    cross-list, for free text without a category it is not."""
    _serve_day(arxiv_server)
    supply = make_supply()
    by_category = await supply.matched(parse_topic("cs.CV"), CURRENT, PREVIOUS)
    by_words = await supply.matched(parse_topic("graph diffusion"), CURRENT, PREVIOUS)
    assert {m.paper.title: m.cross for m in by_category}["Graph diffusion for molecules"]
    assert [m.cross for m in by_words] == [False]
    assert sum(not m.cross for m in by_category) == 3


async def test_a_raw_query_still_searches_the_api(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """`cat:cs.CV AND abs:avatar` is one API search over the cycle's submission window."""
    arxiv_server.add_paper(
        "2611.30001", 1, "Avatars that talk", ["F. Dubois"], "A controllable avatar model.",
        categories=("cs.CV",), published=datetime(2026, 11, 15, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    supply = make_supply()
    arxiv_server.clear_requests()
    found = await supply.matched(parse_topic("cat:cs.CV AND abs:avatar"), CURRENT, PREVIOUS)
    assert _titles(found) == ["Avatars that talk"]
    assert len(arxiv_server.query_requests) == 1 and arxiv_server.feed_requests == []


async def test_a_topic_is_scored_once_per_cycle_and_only_against_papers_with_its_words(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """A second chat on the same topic costs no scoring; words in no paper cost none at all."""
    _serve_day(arxiv_server)
    supply = make_supply()
    topic = parse_topic("video diffusion")
    first = await supply.matched(topic, CURRENT, PREVIOUS)
    scored = supply.scored
    assert scored == 2  # the two papers with both words, not all four
    assert await supply.matched(topic, CURRENT, PREVIOUS) == first
    await supply.matched(parse_topic("quantum gravity"), CURRENT, PREVIOUS)
    assert supply.scored == scored


async def test_categories_outside_the_configured_sets_read_their_own_feed(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """With feed_archives = ["cs+stat"], cs.CV and stat.ML share one request; math.AG, in no
    set, is read from its own feed."""
    _serve_day(arxiv_server)
    arxiv_server.set_listing("math.AG", MAILING, [
        feed_entry("2611.40001", 1, "Curves", ["G. Haddad"], "On curves.", categories=("math.AG",)),
    ])  # fmt: skip
    supply = make_supply(feed_archives=("cs+stat",))
    arxiv_server.clear_requests()
    for text in ("cs.CV", "stat.ML", "math.AG", "cs.CV stat.ML"):
        await supply.matched(parse_topic(text), CURRENT, PREVIOUS)
    assert sorted(r.path for r in arxiv_server.feed_requests) == ["/atom/cs+stat", "/atom/math.AG"]


async def test_a_listing_is_fetched_once_across_supplies_sharing_the_database(
    make_supply: MakeSupply, arxiv_server: ArxivFake
) -> None:
    """A restarted process reads the stored listing instead of asking arXiv again."""
    _serve_day(arxiv_server)
    await make_supply().matched(parse_topic("depth"), CURRENT, PREVIOUS)
    arxiv_server.clear_requests()
    again = await make_supply().matched(parse_topic("depth"), CURRENT, PREVIOUS)
    assert _titles(again) == ["Depth from focus"] and arxiv_server.requests == []


async def test_a_huge_feed_is_stored_bounded_in_batches_that_leave_the_loop_free(
    make_supply: MakeSupply, arxiv_server: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 10: a 30,000-entry feed (arXiv lists at most 2,000) stores arxiv.max_feed_entries
    papers and says so in one warning; while they are written, other tasks get turns (the
    papers are stored in batches before the listing, never in one long transaction)."""
    abstract = "We study sparse attention for video diffusion models at scale. " * 12
    arxiv_server.set_listing("cs", MAILING, [
        feed_entry(f"2611.{i:05d}", 1, f"Paper {i}", ["A. Author"], abstract, ("cs.CV",))
        for i in range(30_000)
    ])  # fmt: skip
    # The fake builds a 17 MB reply before its first byte: no read timeout of 2 s on a busy box.
    supply = make_supply(feed_archives=("cs",), timeout_s=60)
    repo = supply._repo
    partial: list[bool] = []
    done = asyncio.Event()

    async def look_while_storing() -> None:
        """Another chat's task: does it ever see papers stored but no listing yet?"""
        while not done.is_set():
            if repo.get_paper("2611.00000", 1) is not None:
                listed = repo.digests.get_listing("feed:cs", MAILING.isoformat()) is not None
                partial.append(not listed)
            await asyncio.sleep(0)

    watcher = asyncio.create_task(look_while_storing())
    with caplog.at_level(logging.WARNING):
        found = await supply.matched(parse_topic("sparse attention"), CURRENT, PREVIOUS)
    done.set()
    await watcher
    stored = repo.digests.get_listing("feed:cs", MAILING.isoformat())
    assert stored is not None and len(stored) == 20_000 and len(found) == 20_000
    assert len(repo.get_papers(vid for vid, _ in stored)) == 20_000
    assert repo.get_paper("2611.20000", 1) is None  # beyond the cap: never stored
    assert partial.count(True) >= 20_000 // 500 - 1  # a turn between (nearly) every batch
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "stopped at 20000 entries (arxiv.max_feed_entries)" in warning.getMessage()
    assert warning.exc_info is None
