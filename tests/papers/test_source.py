"""Tests for papers.source: ArxivSource through the real arxiv client against the loopback fake."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import pairwise

import pytest

from config.settings import ArxivSettings
from papers.errors import ArxivBadRequest, ArxivUnavailable, PaperNotFound
from papers.ids import parse_arxiv_id
from papers.models import ArxivId
from papers.source import ArxivSource, run_on_arxiv_thread
from tests.fakes.arxiv_api import (
    API_FIXTURES,
    DAWN_ABSTRACT,
    DAWN_AUTHORS,
    DAWN_CODE_URL,
    DAWN_ID,
    DAWN_TITLE,
    ArxivFake,
)
from tests.papers.conftest import MakeSource


def _gaps(fake: ArxivFake) -> list[float]:
    """Seconds between consecutive API requests as the fake saw them arrive."""
    return [b.at - a.at for a, b in pairwise(fake.query_requests)]


# -- look-ups and conversion -------------------------------------------------------------------


async def test_get_versioned_id_from_recorded_fixture(make_source: MakeSource) -> None:
    """2104.12255v1 comes back exactly as arXiv recorded it."""
    paper = await make_source().get(ArxivId("2104.12255", 1))
    assert (paper.arxiv_id, paper.version) == ("2104.12255", 1)
    assert paper.versioned_id == "2104.12255v1"
    assert paper.title == "0"
    assert paper.authors == ("Quan Thoi Minh Nguyen",)
    assert paper.abstract.startswith("What is the funniest number in cryptography? 0.")
    assert paper.published == datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC)
    assert paper.updated == paper.published
    assert paper.primary_category == "cs.CR"
    assert paper.categories == ("cs.CR",)
    assert (paper.comment, paper.journal_ref, paper.doi, paper.code_url) == (None,) * 4


async def test_get_unversioned_id_from_recorded_fixture(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """An unversioned id resolves to the version arXiv reports, with all its authors."""
    paper = await make_source().get(ArxivId("1707.08567"))
    assert paper.versioned_id == "1707.08567v1"
    assert len(paper.authors) == 34
    assert paper.authors[:2] == ("Kees A. Schouhamer Immink", "Stan Baggen")
    assert (
        paper.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )
    assert arxiv_fake.query_requests[-1].params["id_list"] == "1707.08567"


async def test_dawn_latest_version_is_converted_exactly(make_source: MakeSource) -> None:
    """Title and abstract whitespace is collapsed; authors, categories and code link are kept."""
    paper = await make_source().get(ArxivId(DAWN_ID))
    assert paper.versioned_id == "2410.13726v2"
    assert paper.title == DAWN_TITLE
    assert paper.abstract == DAWN_ABSTRACT
    assert paper.authors == DAWN_AUTHORS
    assert (paper.primary_category, paper.categories) == ("cs.CV", ("cs.CV",))
    assert paper.code_url == DAWN_CODE_URL
    assert paper.published == datetime(2024, 10, 17, 17, 22, 45, tzinfo=UTC)
    assert paper.updated > paper.published
    assert paper.published.tzinfo is not None


async def test_dawn_older_version_on_request(make_source: MakeSource) -> None:
    """Asking for v1 gives v1, not the latest."""
    paper = await make_source().get(parse_arxiv_id("https://arxiv.org/abs/2410.13726v1"))
    assert paper.versioned_id == "2410.13726v1"
    assert paper.updated == paper.published


async def test_conversion_of_every_optional_field(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """Comment, journal ref and DOI are passed through; code links come from comments too."""
    arxiv_fake.add_paper(
        "2501.00042", 3, "  A   title\n   over two lines ", ["  Ada\n Lovelace ", "Alan Turing"],
        "Abstract\n  text.", categories=["stat.ML", "cs.LG"],
        comment="12 pages.\n Code: https://gitlab.com/group/proj.git", journal_ref="JMLR 1 (2025)",
        doi="10.1000/xyz", published=datetime(2025, 1, 1, tzinfo=UTC),
        updated=datetime(2025, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    paper = await make_source().get(ArxivId("2501.00042"))
    assert paper.version == 3
    assert paper.title == "A title over two lines"
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.abstract == "Abstract text."
    assert (paper.primary_category, paper.categories) == ("stat.ML", ("stat.ML", "cs.LG"))
    assert paper.comment == "12 pages. Code: https://gitlab.com/group/proj.git"
    assert (paper.journal_ref, paper.doi) == ("JMLR 1 (2025)", "10.1000/xyz")
    assert paper.code_url == "https://gitlab.com/group/proj"
    assert paper.updated == datetime(2025, 3, 1, tzinfo=UTC)
    assert paper.license is None  # the API does not say; we do not guess


async def test_old_style_ids_round_trip(make_source: MakeSource, arxiv_fake: ArxivFake) -> None:
    """Old-style ids (math.GT/... loses its subject class) are found and named as arXiv does."""
    arxiv_fake.add_paper(
        "hep-th/9901001", 2, "Strings", ["E. Witten"], "Old.", categories=["hep-th"]
    )
    arxiv_fake.add_paper(
        "math/0309136", 1, "Knots", ["W. Thurston"], "Older.", categories=["math.GT"]
    )
    source = make_source()
    strings = await source.get(parse_arxiv_id("hep-th/9901001"))
    knots = await source.get(parse_arxiv_id("https://arxiv.org/abs/math.GT/0309136v1"))
    assert (strings.arxiv_id, strings.version) == ("hep-th/9901001", 2)
    assert (knots.arxiv_id, knots.version) == ("math/0309136", 1)
    assert knots.abs_url == "https://arxiv.org/abs/math/0309136v1"


async def test_get_many_chunks_by_twenty_and_skips_unknown_ids(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """25 known ids and one unknown: two id_list requests, the unknown one simply absent."""
    refs = [ArxivId(f"2502.{n:05d}") for n in range(1, 26)]
    for ref in refs:
        arxiv_fake.add_paper(ref.base, 1, f"Paper {ref.base}", ["A. Author"], "Abstract.")
    arxiv_fake.clear_requests()
    found = await make_source().get_many([*refs, ArxivId("2502.99999"), ArxivId(DAWN_ID, 1)])
    assert sorted(found) == sorted([r.base for r in refs] + [DAWN_ID])
    assert found["2502.00007"].title == "Paper 2502.00007"
    assert found[DAWN_ID].version == 1
    sizes = [len(r.params["id_list"].split(",")) for r in arxiv_fake.query_requests]
    assert sizes == [20, 7]


async def test_get_many_of_nothing_asks_nothing(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """No ids, no request."""
    arxiv_fake.clear_requests()
    assert await make_source().get_many([]) == {}
    assert arxiv_fake.query_requests == []


async def test_search_returns_papers_newest_first(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """A keyword search gives Paper objects sorted by submission date, as many as asked."""
    arxiv_fake.clear_requests()
    papers = await make_source().search("all:testing", max_results=5)
    assert [p.versioned_id for p in papers] == [
        "2503.05378v2", "2502.07719v2", "2405.13786v1", "2302.03287v3", "2204.08348v3",
    ]  # fmt: skip
    assert all(a.published >= b.published for a, b in pairwise(papers))
    params = arxiv_fake.query_requests[0].params
    assert (params["search_query"], params["sortBy"], params["max_results"]) == (
        "all:testing", "submittedDate", "5",
    )  # fmt: skip


async def test_search_by_relevance_keeps_arxiv_order(make_source: MakeSource) -> None:
    """Relevance order is arXiv's (here: the recorded order); fields come through."""
    papers = await make_source().search("all:testing", max_results=50, sort="relevance")
    assert len(papers) == 10
    assert papers[0].versioned_id == "2202.12139v1"
    assert papers[0].doi == "10.1109/ICSTW55395.2022.00035"
    assert papers[0].categories == ("cs.SE", "cs.LG")


async def test_search_with_no_match_is_empty(make_source: MakeSource) -> None:
    """A search arXiv has nothing for is an empty list, not an error."""
    assert await make_source().search("ti:zzzzqqqq") == []


async def test_empty_search_query_is_a_bad_request(make_source: MakeSource) -> None:
    """An empty query is refused before bothering arXiv."""
    with pytest.raises(ArxivBadRequest):
        await make_source().search("   ")


# -- what arXiv says no to ---------------------------------------------------------------------


@pytest.mark.parametrize("ref", [ArxivId("2401.99999"), ArxivId("0000.0000"), ArxivId(DAWN_ID, 9)])
async def test_unknown_id_is_paper_not_found(
    make_source: MakeSource, arxiv_fake: ArxivFake, ref: ArxivId
) -> None:
    """An empty feed means arXiv has no such paper (or version): PaperNotFound, no retry."""
    arxiv_fake.clear_requests()
    with pytest.raises(PaperNotFound) as info:
        await make_source().get(ref)
    assert info.value.arxiv_id == str(ref)
    assert len(arxiv_fake.query_requests) == 1


async def test_malformed_id_is_bad_request_with_arxivs_reason(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """HTTP 400: arXiv's own reason from the error entry, and no retry."""
    arxiv_fake.clear_requests()
    with pytest.raises(ArxivBadRequest) as info:
        await make_source().get(ArxivId("abc"))
    assert info.value.detail == "incorrect id format for abc"
    assert len(arxiv_fake.query_requests) == 1


async def test_error_entry_with_http_200_is_bad_request(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """arXiv's error feed counts as a rejection even when it comes with HTTP 200."""
    arxiv_fake.fail_next(1, status=200, body=(API_FIXTURES / "id-abc-http400.xml").read_bytes())
    with pytest.raises(ArxivBadRequest) as info:
        await make_source().get(ArxivId(DAWN_ID))
    assert info.value.detail == "incorrect id format for abc"


# -- arXiv in trouble --------------------------------------------------------------------------


async def test_arxiv_down_gives_unavailable_after_configured_retries(
    make_source: MakeSource, arxiv_fake: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """503 every time: retries+1 requests, one warning per retry, then ArxivUnavailable."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(10, status=503)
    with (
        caplog.at_level(logging.WARNING, logger="papers.source"),
        pytest.raises(ArxivUnavailable) as info,
    ):
        await make_source(retries=3).get(ArxivId(DAWN_ID))
    assert len(arxiv_fake.query_requests) == 4
    assert "HTTP 503" in str(info.value)
    assert "127.0.0.1" not in str(info.value)
    retries = [
        r for r in caplog.records if r.name == "papers.source" and r.levelno == logging.WARNING
    ]
    assert len(retries) == 3
    # exponential backoff from 0.1 s: gaps of at least 0.1, 0.2, 0.4 s
    for gap, backoff in zip(_gaps(arxiv_fake), (0.1, 0.2, 0.4), strict=True):
        assert gap >= backoff


async def test_no_retries_configured_means_one_request(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """retries=0 asks exactly once."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=502)
    with pytest.raises(ArxivUnavailable):
        await make_source(retries=0).get(ArxivId(DAWN_ID))
    assert len(arxiv_fake.query_requests) == 1


async def test_503_then_200_succeeds(make_source: MakeSource, arxiv_fake: ArxivFake) -> None:
    """One failure, then success: the user gets the paper."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=503)
    paper = await make_source().get(ArxivId(DAWN_ID))
    assert paper.title == DAWN_TITLE
    assert len(arxiv_fake.query_requests) == 2


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_honoured_on_the_api(
    make_source: MakeSource, arxiv_fake: ArxivFake, status: int
) -> None:
    """Issue 10: a 429/503 with Retry-After: 0.6 (longer than the 0.1 s backoff) makes the
    next request wait at least that long, and the paper still arrives."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=status, headers={"Retry-After": "0.6"})
    paper = await make_source().get(ArxivId(DAWN_ID))
    assert paper.title == DAWN_TITLE
    (gap,) = _gaps(arxiv_fake)
    assert gap >= 0.6


async def test_retry_after_as_an_http_date_is_honoured(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """Retry-After may be an HTTP date (RFC 9110): a date 2 s ahead is a wait of about 2 s
    (whole seconds, so at least 1 s after rounding), not ignored."""
    arxiv_fake.clear_requests()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    arxiv_fake.fail_next(1, status=503, headers={"Retry-After": when})
    await make_source().get(ArxivId(DAWN_ID))
    (gap,) = _gaps(arxiv_fake)
    assert gap >= 1.0


async def test_a_retry_after_beyond_the_bound_fails_at_once_and_says_so(
    make_source: MakeSource, arxiv_fake: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """arXiv asking for an hour's pause is not waited out by a chat user: ArxivUnavailable at
    once, naming the wait, with one request made and no traceback logged."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=503, headers={"Retry-After": "3600"})
    with pytest.raises(ArxivUnavailable, match="asks to wait 3600 s"):
        await make_source().get(ArxivId(DAWN_ID))
    assert len(arxiv_fake.query_requests) == 1
    assert all(r.exc_info is None for r in caplog.records)


async def test_other_http_errors_are_not_retried(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """A 404 (wrong api_url, say) will not heal by retrying: ArxivUnavailable at once."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=404, body=b"<html>no</html>")
    with pytest.raises(ArxivUnavailable, match="HTTP 404"):
        await make_source().get(ArxivId(DAWN_ID))
    assert len(arxiv_fake.query_requests) == 1


@pytest.mark.parametrize("blank", [False, True])
async def test_empty_page_is_retried(
    make_source: MakeSource, arxiv_fake: ArxivFake, blank: bool
) -> None:
    """arXiv's glitches (no entries but a total; an empty body) are retried, not 'not found'."""
    arxiv_fake.clear_requests()
    arxiv_fake.empty_next(1, blank=blank)
    paper = await make_source().get(ArxivId(DAWN_ID))
    assert paper.versioned_id == "2410.13726v2"
    assert len(arxiv_fake.query_requests) == 2


async def test_empty_page_in_the_middle_of_a_search_is_retried(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """A later page that arrives empty makes the search start again, then succeed."""
    arxiv_fake.clear_requests()
    arxiv_fake.fail_next(1, status=200, body=_truncated_search_page())
    arxiv_fake.empty_next(1)
    papers = await make_source().search("all:testing", max_results=10)
    assert len(papers) == 10
    starts = [r.params["start"] for r in arxiv_fake.query_requests]
    assert starts == ["0", "2", "0"]


def _truncated_search_page() -> bytes:
    """The recorded search page cut to its first two entries (so the client asks for more)."""
    text = (API_FIXTURES / "search-testing-10.xml").read_text(encoding="utf-8")
    head = text[: text.index("<entry>")].replace(">214881<", ">10<")
    entries = re.findall(r"<entry>.*?</entry>", text, re.DOTALL)
    return (head + "\n".join(entries[:2]) + "\n</feed>\n").encode("utf-8")


async def test_slow_reply_beyond_timeout_is_unavailable(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """Replies slower than timeout_s count as failures; after the retries: ArxivUnavailable."""
    arxiv_fake.clear_requests()
    arxiv_fake.delay_s = 2.0
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ArxivUnavailable, match=r"no answer within 0.2 s"):
        await make_source(timeout_s=0.2, retries=1).get(ArxivId(DAWN_ID))
    assert loop.time() - started < 1.5
    assert len(arxiv_fake.query_requests) == 2


async def test_hanging_arxiv_is_unavailable(make_source: MakeSource, arxiv_fake: ArxivFake) -> None:
    """A server that never answers does not hang the bot."""
    arxiv_fake.clear_requests()
    arxiv_fake.hang_next(5)
    with pytest.raises(ArxivUnavailable):
        await make_source(timeout_s=0.2, retries=1).get(ArxivId(DAWN_ID))
    assert len(arxiv_fake.query_requests) == 2


async def test_slow_once_then_fine_succeeds(make_source: MakeSource, arxiv_fake: ArxivFake) -> None:
    """A timeout is retried like any other transient failure."""
    arxiv_fake.clear_requests()
    arxiv_fake.slow_next(1, delay_s=1.0)
    paper = await make_source(timeout_s=0.2).get(ArxivId(DAWN_ID))
    assert paper.version == 2
    assert len(arxiv_fake.query_requests) == 2


async def test_connection_refused_is_unavailable(make_source: MakeSource) -> None:
    """Nobody listening at api_url: retried, then ArxivUnavailable."""
    with ArxivFake(fixtures=False, dawn=False, pdfs=False) as gone:
        dead_url = gone.api_url
    with pytest.raises(ArxivUnavailable, match="cannot connect"):
        await make_source(api_url=dead_url, retries=1).get(ArxivId(DAWN_ID))


async def test_closed_source_refuses_work(make_source: MakeSource) -> None:
    """After aclose, calls fail clearly instead of using a closed session."""
    source = make_source()
    await source.aclose()
    with pytest.raises(ArxivUnavailable):
        await source.get(ArxivId(DAWN_ID))


# -- manners: pacing and logging ---------------------------------------------------------------


async def test_requests_are_paced_by_min_interval(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """Concurrent look-ups still reach arXiv at least min_interval_s apart, one at a time."""
    source = make_source(min_interval_s=0.1)
    await source.get(ArxivId(DAWN_ID))  # the previous test's last request may be recent
    arxiv_fake.clear_requests()
    refs = [ArxivId("2104.12255"), ArxivId("1707.08567"), ArxivId(DAWN_ID), ArxivId(DAWN_ID, 1)]
    papers = await asyncio.gather(*(source.get(ref) for ref in refs))
    assert [p.arxiv_id for p in papers] == [r.base for r in refs]
    gaps = _gaps(arxiv_fake)
    assert len(gaps) == 3
    assert min(gaps) >= 0.1


async def test_two_sources_share_the_process_wide_pacer(arxiv_fake: ArxivFake) -> None:
    """Two ArxivSources (e.g. digest and commands) together still respect one interval."""
    settings_a = _settings(arxiv_fake, min_interval_s=0.1)
    async with ArxivSource(settings_a) as first, ArxivSource(settings_a) as second:
        await first.get(ArxivId(DAWN_ID))
        arxiv_fake.clear_requests()
        await asyncio.gather(
            first.get(ArxivId("2104.12255")),
            second.get(ArxivId("1707.08567")),
            first.get(ArxivId(DAWN_ID, 1)),
            second.search("all:testing", max_results=3),
        )
    gaps = _gaps(arxiv_fake)
    assert len(gaps) == 3
    assert min(gaps) >= 0.1


async def test_each_request_is_logged_at_debug(
    make_source: MakeSource, arxiv_fake: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Every HTTP request to arXiv leaves one DEBUG line (with the query, not the host)."""
    arxiv_fake.fail_next(1, status=503)
    with caplog.at_level(logging.DEBUG, logger="papers.source"):
        await make_source().get(ArxivId(DAWN_ID))
    lines = [r.getMessage() for r in caplog.records if r.name == "papers.source"]
    debug = [m for m in lines if m.startswith("arXiv request")]
    assert len(debug) == 2
    assert "id_list=2410.13726" in debug[0]
    assert all("127.0.0.1" not in m for m in lines)


def _settings(fake: ArxivFake, **overrides: object) -> ArxivSettings:
    return ArxivSettings(api_url=fake.api_url, timeout_s=1.0, retries=1).model_copy(
        update=overrides
    )


async def test_a_trickling_reply_is_abandoned_at_the_request_deadline(
    make_source: MakeSource, arxiv_fake: ArxivFake
) -> None:
    """A reply that never stalls long enough for a read timeout but never ends either: the
    request gives up at its deadline, stops reading, and the next request gets through (#9)."""
    arxiv_fake.trickle_next(1, every_s=0.2)
    source = make_source(retries=0, timeout_s=1.0, request_deadline_s=0.5)
    with pytest.raises(ArxivUnavailable, match=r"no complete answer within 0\.5 s"):
        await source.get(ArxivId(DAWN_ID))
    paper = await source.get(ArxivId(DAWN_ID))
    assert paper.arxiv_id == DAWN_ID
    assert arxiv_fake.bytes_sent("/api/query") < 1000  # of a reply several KB long


async def test_a_request_waiting_too_long_in_the_queue_gives_up_and_says_so(
    make_source: MakeSource, arxiv_fake: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """While the one arXiv thread is busy, a request past arxiv.queue_timeout_s fails with how
    long it waited and behind how many, and never reaches arXiv."""
    release = threading.Event()
    busy = asyncio.ensure_future(run_on_arxiv_thread(release.wait, 10))
    await asyncio.sleep(0)  # the busy job is submitted first
    source = make_source(queue_timeout_s=0.2)
    arxiv_fake.clear_requests()
    try:
        with pytest.raises(ArxivUnavailable, match=r"waited 0 s behind 1 other arXiv requests"):
            await source.get(ArxivId(DAWN_ID))
    finally:
        release.set()
        await busy
    assert arxiv_fake.requests == []
    assert any("arXiv request dropped: waited" in r.getMessage() for r in caplog.records)
