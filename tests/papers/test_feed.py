"""Tests for papers.feed: arXiv's daily Atom listings through HTTP against the loopback fake."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from config.settings import ArxivSettings
from papers.announcements import announcement_for_mailing, mailing_date
from papers.errors import ArxivBadRequest, ArxivUnavailable
from papers.feed import ArxivFeed, FeedEntry, Listing, parse_listing
from papers.models import ArxivId
from papers.source import Pacer
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ARXIV_LICENSE, CC_BY, ListingEntry, feed_entry
from tests.papers.conftest import MakeSource

ET = ZoneInfo("America/New_York")
TUESDAY = date(2026, 3, 10)  # the mailing of Monday 2026-03-09 20:00 ET (EDT)

# A realistic cs.CV mailing: arXiv wraps long titles and abstracts, dc:creator may say "and".
NEW = feed_entry(
    "2603.08811",
    1,
    "Sparse Diffusion Transformers for Long Video Generation:\n  A Study of Memory and Speed",
    "Mei Chen (Tsinghua University, Beijing), Luis García and Ana Souza",
    "We study sparse attention for video diffusion.\n  Our code is at\n"
    "  https://github.com/meichen/sparse-dit. Results: 2x faster.",
    ("cs.CV", "cs.LG"),
    license=CC_BY,
)
CROSS = feed_entry(
    "2603.08900", 1, "Convex Relaxations for Camera Pose", ["Ada Lovelace", "Alan Turing"],
    "A math.OC paper cross-listed to cs.CV.", ("math.OC", "cs.CV"), license=ARXIV_LICENSE,
)  # fmt: skip
REPLACE = feed_entry(
    "2410.13726", 2, "DAWN: Dynamic Frame Avatar", ["Hanbo Cheng", "Jun Du"], "Talking heads.",
    ("cs.CV",), "replace", doi="10.1000/dawn.2026", journal_ref="CVPR 2026, pp. 1-10",
)  # fmt: skip
REPLACE_CROSS = feed_entry(
    "2502.00042", 3, "Old Optimisation Result", "B. Person", "Revised.", ("math.OC", "cs.CV"),
    "replace",
)  # fmt: skip

MakeFeed = Callable[..., ArxivFeed]


@pytest.fixture
async def make_feed(
    arxiv_fake: ArxivFake, arxiv_settings: ArxivSettings
) -> AsyncIterator[MakeFeed]:
    """Build ArxivFeeds aimed at the fake (settings overridable by keyword); closed after."""
    made: list[ArxivFeed] = []

    def make(*, pacer: Pacer | None = None, **overrides: object) -> ArxivFeed:
        settings = arxiv_settings.model_copy(update={"feed_url": arxiv_fake.feed_url, **overrides})
        feed = ArxivFeed(settings, pacer or Pacer())
        made.append(feed)
        return feed

    yield make
    for feed in made:
        await feed.aclose()


def _by_id(listing: Listing) -> dict[str, FeedEntry]:
    return {e.paper.arxiv_id: e for e in listing.entries}


async def test_parses_a_realistic_listing(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """new, cross, replace and replace-cross entries come back exactly as arXiv listed them."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [REPLACE, CROSS, NEW, REPLACE_CROSS])
    listing = await make_feed().listing(["cs.CV"])

    assert listing.categories == ("cs.CV",)
    assert listing.announced == TUESDAY
    assert [(e.paper.versioned_id, e.announce_type) for e in listing.entries] == [
        ("2603.08811v1", "new"),
        ("2603.08900v1", "cross"),
        ("2410.13726v2", "replace"),
        ("2502.00042v3", "replace-cross"),
    ]
    new = listing.entries[0].paper
    assert new.title == (
        "Sparse Diffusion Transformers for Long Video Generation: A Study of Memory and Speed"
    )
    assert new.abstract == (
        "We study sparse attention for video diffusion. Our code is at "
        "https://github.com/meichen/sparse-dit. Results: 2x faster."
    )
    assert new.authors == ("Mei Chen", "Luis García", "Ana Souza")
    assert (new.primary_category, new.categories) == ("cs.CV", ("cs.CV", "cs.LG"))
    assert new.license == CC_BY
    assert new.code_url == "https://github.com/meichen/sparse-dit"
    assert (new.doi, new.journal_ref, new.comment) == (None, None, None)
    assert new.published == datetime(2026, 3, 10, tzinfo=ET) == new.updated
    assert new.abs_url == "https://arxiv.org/abs/2603.08811v1"

    cross = _by_id(listing)["2603.08900"].paper
    assert cross.primary_category == "math.OC"
    assert cross.authors == ("Ada Lovelace", "Alan Turing")
    assert cross.license == ARXIV_LICENSE
    replaced = _by_id(listing)["2410.13726"].paper
    assert (replaced.version, replaced.doi) == (2, "10.1000/dawn.2026")
    assert replaced.journal_ref == "CVPR 2026, pp. 1-10"
    assert listing.of_type("new", "cross") == listing.entries[:2]


async def test_listing_date_is_the_calendars_mailing_date(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """The feed's date and papers.announcements agree: Tuesday's mailing is Monday 20:00 ET's."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW])
    listing = await make_feed().listing(["cs.CV"])
    announced = announcement_for_mailing(TUESDAY)
    assert announced is not None and mailing_date(announced) == listing.announced


async def test_several_categories_are_one_request_merged(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """cs.CV+cs.LG: each paper once, cross-lists marked, one URL whatever the order or case."""
    in_lg = feed_entry("2603.07000", 1, "Optimiser", ["C. D."], "Adam again.", ("cs.LG",))
    from_stat = feed_entry("2603.07100", 1, "Bayes", ["E. F."], "Priors.", ("stat.ML", "cs.LG"))
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW, CROSS])
    arxiv_fake.set_listing("cs.LG", TUESDAY, [NEW, in_lg, from_stat])
    feed = make_feed()

    listing = await feed.listing(["cs.LG", "cs.cv", "cs.LG"])
    again = await feed.listing(["cs.CV", "cs.LG"])

    assert listing.categories == ("cs.CV", "cs.LG")
    assert [(e.paper.arxiv_id, e.announce_type) for e in listing.entries] == [
        ("2603.08811", "new"),
        ("2603.07000", "new"),
        ("2603.08900", "cross"),
        ("2603.07100", "cross"),
    ]
    assert again == listing
    assert [r.path for r in arxiv_fake.feed_requests] == ["/atom/cs.CV+cs.LG"] * 2
    assert feed.url_for(["cs.lg", "cs.CV"]) == arxiv_fake.feed_url + "cs.CV+cs.LG"


async def test_weekend_feed_is_an_empty_listing(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """Nothing announced (weekend, holiday): no entries and no date, not an error."""
    feed = make_feed()
    quiet = await feed.listing(["cs.CV"])
    assert quiet == Listing(categories=("cs.CV",), announced=None, entries=())

    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW])
    assert len((await feed.listing(["cs.CV"])).entries) == 1
    arxiv_fake.set_quiet()
    assert (await feed.listing(["cs.CV"])).entries == ()


async def test_whole_archive(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """An archive ("cs") lists every paper with a category in it; primaries elsewhere cross."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW, CROSS])
    listing = await make_feed().listing(["CS"])
    assert listing.categories == ("cs",)
    assert [(e.paper.arxiv_id, e.announce_type) for e in listing.entries] == [
        ("2603.08811", "new"),
        ("2603.08900", "cross"),
    ]


async def test_unknown_category_is_a_bad_request(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """arXiv's "Feed error for query" reply → ArxivBadRequest with its reason, never retried."""
    with pytest.raises(ArxivBadRequest, match="Bad subject class 'XX'"):
        await make_feed().listing(["cs.CV", "cs.XX"])
    assert len(arxiv_fake.feed_requests) == 1


async def test_feed_error_title_on_http_200_is_a_bad_request(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """Older rss.arxiv.org sent the error feed with 200; the title alone decides."""
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>Feed error for query: https://rss.arxiv.org/atom/nosuch</title></feed>"
    )
    arxiv_fake.fail_next(status=200, body=body, path="/atom/")
    with pytest.raises(ArxivBadRequest, match="Feed error for query"):
        await make_feed().listing(["cs.CV"])


@pytest.mark.parametrize("bad", [[], [""], ["cs.CV/../../etc"], ["cs.CV?x=1"], ["cs CV"]])
async def test_impossible_categories_fail_without_a_request(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, bad: list[str]
) -> None:
    """Text that cannot be a category never reaches arXiv (and never builds a strange URL)."""
    with pytest.raises(ArxivBadRequest):
        await make_feed().listing(bad)
    assert arxiv_fake.feed_requests == []


async def test_503_then_200_is_retried(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """One 503, then the listing; the retry waits the backoff (>= 0.1 s)."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW])
    arxiv_fake.fail_next(status=503, path="/atom/")
    listing = await make_feed().listing(["cs.CV"])
    assert [e.paper.arxiv_id for e in listing.entries] == ["2603.08811"]
    first, second = arxiv_fake.feed_requests
    assert second.at - first.at >= 0.1


async def test_503_always_is_unavailable(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """retries + 1 attempts, then ArxivUnavailable naming the status (and no URL in logs)."""
    arxiv_fake.fail_next(10, status=503, path="/atom/")
    with pytest.raises(ArxivUnavailable, match=r"HTTP 503 \(3 attempts\)"):
        await make_feed(retries=2).listing(["cs.CV"])
    assert len(arxiv_fake.feed_requests) == 3
    assert "127.0.0.1" not in caplog.text


async def test_other_client_errors_are_not_retried(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """A 404 (a wrong feed_url) will not get better by asking again."""
    with pytest.raises(ArxivUnavailable, match="HTTP 404"):
        await make_feed(feed_url=arxiv_fake.base_url + "/rss/").listing(["cs.CV"])
    assert len(arxiv_fake.feed_requests) == 1


async def test_429_retry_after_is_honoured(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """Rate limited with Retry-After: 0.4 → the next attempt waits at least that long."""
    arxiv_fake.fail_next(status=429, headers={"Retry-After": "0.4"}, path="/atom/")
    await make_feed().listing(["cs.CV"])
    first, second = arxiv_fake.feed_requests
    assert second.at - first.at >= 0.4


async def test_garbled_and_slow_replies_are_retried(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """An HTML page with 200, then no answer within the timeout, then the listing."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW])
    arxiv_fake.fail_next(status=200, body=b"<html>Service busy</html>", path="/atom/")
    arxiv_fake.slow_next(delay_s=1.0, path="/atom/")
    listing = await make_feed(timeout_s=0.3, retries=2).listing(["cs.CV"])
    assert len(listing.entries) == 1
    assert len(arxiv_fake.feed_requests) == 3


async def test_timeouts_end_as_unavailable(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """A feed that never answers: ArxivUnavailable after the retries, within bounded time."""
    arxiv_fake.hang_s = 2.0
    arxiv_fake.hang_next(2, path="/atom/")
    with pytest.raises(ArxivUnavailable, match="no answer within 0.2 s"):
        await asyncio.wait_for(make_feed(timeout_s=0.2, retries=1).listing(["cs.CV"]), 10)


async def test_feed_and_api_share_one_pace(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, make_source: MakeSource
) -> None:
    """An API look-up and a feed request, started together, reach arXiv min_interval apart."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW])
    pacer = Pacer()
    interval = 0.3
    source = make_source(pacer=pacer, min_interval_s=interval)
    feed = make_feed(pacer=pacer, min_interval_s=interval)
    for _ in range(2):
        await asyncio.gather(source.get(ArxivId("2410.13726", 1)), feed.listing(["cs.CV"]))
    arrivals = sorted(arxiv_fake.requests, key=lambda r: r.at)
    assert len(arxiv_fake.query_requests) == len(arxiv_fake.feed_requests) == 2
    assert all(b.at - a.at >= interval for a, b in pairwise(arrivals))


async def test_entries_missing_optional_fields(arxiv_fake: ArxivFake, make_feed: MakeFeed) -> None:
    """No rights, no authors, the type only in the summary: kept as arXiv said; an entry
    without a versioned id is skipped, not invented."""
    body = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns="http://www.w3.org/2005/Atom">
  <title>cs.CV updates on arXiv.org</title>
  <updated>2026-03-10T04:00:09+00:00</updated>
  <entry>
    <id>oai:arXiv.org:hep-th/9901001v2</id>
    <title>Old style</title>
    <summary>arXiv:hep-th/9901001v2 Announce Type: replace-cross
Abstract: Strings.</summary>
    <category term="hep-th"/><category term="cs.CV"/>
  </entry>
  <entry>
    <id>https://arxiv.org/abs/2603.00001</id>
    <title>No version anywhere</title>
    <summary>Nothing to go on.</summary>
    <category term="cs.CV"/>
    <arxiv:announce_type>new</arxiv:announce_type>
  </entry>
</feed>"""
    arxiv_fake.fail_next(status=200, body=body, path="/atom/")
    listing = await make_feed().listing(["cs.CV"])
    assert listing.announced == TUESDAY  # from the feed's build time, midnight ET
    (entry,) = listing.entries
    assert (entry.paper.versioned_id, entry.announce_type) == ("hep-th/9901001v2", "replace-cross")
    assert (entry.paper.authors, entry.paper.license, entry.paper.abstract) == (
        (),
        None,
        "Strings.",
    )
    assert entry.paper.published == datetime(2026, 3, 10, tzinfo=ET)
    assert entry.paper.primary_category == "hep-th"


def test_parse_listing_reads_a_saved_document() -> None:
    """parse_listing works on stored bytes (same rules, no HTTP)."""
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" '
        b'xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>'
        b"<id>oai:arXiv.org:2603.00002v1</id><title>T</title>"
        b"<summary>arXiv:2603.00002v1 Announce Type: new \nAbstract: A.</summary>"
        b'<category term="cs.CV"/><published>2026-03-10T00:00:00-04:00</published>'
        b"<arxiv:announce_type>new</arxiv:announce_type></entry></feed>"
    )
    listing = parse_listing(body, ["cs.CV"])
    assert listing.announced == TUESDAY
    assert listing.entries[0].paper.abstract == "A."


async def test_closed_feed_refuses(make_feed: MakeFeed, arxiv_fake: ArxivFake) -> None:
    """After aclose, listing raises ArxivUnavailable without a request."""
    feed = make_feed()
    await feed.aclose()
    with pytest.raises(ArxivUnavailable, match="closed"):
        await feed.listing(["cs.CV"])
    assert arxiv_fake.feed_requests == []


async def test_a_trickling_feed_is_retried_after_its_deadline(
    arxiv_fake: ArxivFake, make_feed: MakeFeed
) -> None:
    """A listing dribbling out for ever is abandoned at arxiv.request_deadline_s and the retry
    reads it whole; the abandoned reply was not read to its end (issue 9)."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, [NEW] * 1)
    arxiv_fake.trickle_next(1, every_s=0.2, path="/atom/")
    listing = await make_feed(timeout_s=1.0, request_deadline_s=0.5, retries=1).listing(["cs.CV"])
    assert len(listing.entries) == 1
    assert arxiv_fake.bytes_sent("/atom/cs.CV") < 1000


def _generated(count: int, prefix: str = "2603") -> list[ListingEntry]:
    """``count`` distinct new cs.CV papers with abstracts of realistic length."""
    abstract = "We study sparse attention for video diffusion models at scale. " * 12
    return [
        feed_entry(f"{prefix}.{i:05d}", 1, f"Generated paper {i}", ["A. Author", "B. Author"],
                   abstract, ("cs.CV",))
        for i in range(count)
    ]  # fmt: skip


async def test_a_feed_over_the_entry_cap_is_cut_with_one_log_line(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 10: a 30,000-entry feed (arXiv lists at most 2,000) keeps the first
    arxiv.max_feed_entries entries, in the feed's order, and says so in one warning."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, _generated(30_000))
    with caplog.at_level(logging.WARNING, logger="papers.feed"):
        # the fake builds its 17 MB reply before the first byte: a read timeout for a busy box
        listing = await make_feed(timeout_s=60).listing(["cs.CV"])
    assert len(listing.entries) == 20_000
    assert listing.entries[0].paper.arxiv_id == "2603.00000"
    assert listing.entries[-1].paper.arxiv_id == "2603.19999"
    assert listing.announced == TUESDAY
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage() == (
        "arXiv feed cs.CV stopped at 20000 entries (arxiv.max_feed_entries): 20000 entries "
        "kept, the rest of the listing ignored"
    )
    assert len(arxiv_fake.feed_requests) == 1


async def test_a_feed_over_the_size_cap_is_cut_with_one_log_line(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """A feed larger than arxiv.max_feed_mb: the entries complete within the first MB are
    kept, the rest is not read, one warning names the cap; no retry."""
    arxiv_fake.set_listing("cs.CV", TUESDAY, _generated(3_000))
    with caplog.at_level(logging.WARNING, logger="papers.feed"):
        listing = await make_feed(max_feed_mb=1.0, timeout_s=60).listing(["cs.CV"])
    assert 500 < len(listing.entries) < 3_000
    ids = [e.paper.arxiv_id for e in listing.entries]
    assert ids == [f"2603.{i:05d}" for i in range(len(ids))]
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "stopped at 1 MB (arxiv.max_feed_mb)" in warning.getMessage()
    assert len(arxiv_fake.feed_requests) == 1


async def test_skipped_entries_are_one_log_line(
    arxiv_fake: ArxivFake, make_feed: MakeFeed, caplog: pytest.LogCaptureFixture
) -> None:
    """A thousand entries without identity: one warning with the count, not a thousand."""
    broken = "".join(
        f"<entry><id>https://arxiv.org/abs/2603.{i:05d}</id><title>x</title>"
        "<category term='cs.CV'/><arxiv:announce_type>new</arxiv:announce_type></entry>"
        for i in range(1000)
    )
    body = (
        "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:arxiv='http://arxiv.org/schemas/atom'>"
        "<title>cs.CV updates on arXiv.org</title><updated>2026-03-10T04:00:09+00:00</updated>"
        f"{broken}</feed>"
    ).encode()
    arxiv_fake.fail_next(status=200, body=body, path="/atom/")
    with caplog.at_level(logging.WARNING, logger="papers.feed"):
        listing = await make_feed().listing(["cs.CV"])
    assert listing.entries == ()
    (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "1000 entries without versioned id" in warning.getMessage()
