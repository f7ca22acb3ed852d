"""`paperboy digest`: one topic's papers of one mailing, as a web page on stdout (issue 4).

The real feed and API clients talk to the arXiv fake, the real google-genai client to the
Gemini fake (run on its own event loop in a thread, since ``main`` runs ``asyncio.run``), and a
hand-set clock stands in for the wall clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.__main__ import main
from bot.core.topic_digest import MailingNotOut, resolve_mailing
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry
from tests.fakes.gemini_api import GeminiFake, slow

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 11, 17)
TUESDAY_8AM = datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN)  # Monday 20:00 ET is out


def at(moment: datetime):  # type: ignore[no-untyped-def]
    """A clock that always says ``moment``."""
    return lambda: moment


@pytest.fixture
def env(
    paperboy_env: dict[str, str], arxiv_server: ArxivFake, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """paperboy_env plus the fake's feed URL."""
    monkeypatch.setenv("PAPERBOY_ARXIV__FEED_URL", arxiv_server.feed_url)
    return {**paperboy_env, "PAPERBOY_ARXIV__FEED_URL": arxiv_server.feed_url}


class ThreadedGemini:
    """The Gemini fake on an event loop of its own, for code that runs ``asyncio.run``."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: GeminiFake = self._call(self._start())

    async def _start(self) -> GeminiFake:
        return await GeminiFake().start()

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def close(self) -> None:
        self._call(self.fake.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture
def gemini(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[GeminiFake]:
    """A Gemini fake the process is configured to use (no rate cap, one attempt)."""
    server = ThreadedGemini()
    for name, value in {
        "PAPERBOY_GEMINI__API_KEY": "gem-test-key",
        "PAPERBOY_GEMINI__BASE_URL": server.fake.base_url,
        "PAPERBOY_GEMINI__MAX_ATTEMPTS": "1",
        "PAPERBOY_SUMMARIZER__REQUESTS_PER_MINUTE": "0",
    }.items():
        monkeypatch.setenv(name, value)
    yield server.fake
    server.close()


def cv_listing(n: int, prefix: str = "2611.1") -> list[ListingEntry]:
    """``n`` new cs.CV papers about talking heads and other things."""
    subjects = ["talking head avatars", "depth estimation", "video diffusion", "segmentation"]
    return [
        feed_entry(
            f"{prefix}{i:04d}",
            1,
            f"Paper {i} on {subjects[i % len(subjects)]}",
            [f"Author {i}", "B. Coauthor"],
            f"We study {subjects[i % len(subjects)]}. We propose method {i}. "
            f"Experiments show gains of {i + 3} points over strong baselines.",
            categories=("cs.CV",),
        )
        for i in range(1, n + 1)
    ]


def sections(page: str) -> list[str]:
    """The ``## Title`` headings of a page, in order."""
    return [line[3:] for line in page.splitlines() if line.startswith("## ")]


def test_markdown_page_for_a_category_has_the_example_structure(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digest --topic cs.CV`: front matter, an extractive note, "# Update", one section a paper."""
    arxiv_server.set_listing("cs.CV", TUESDAY, cv_listing(3))
    assert main(["digest", "--topic", "cs.CV", "--format", "markdown"], clock=at(TUESDAY_8AM)) == 0
    out = capsys.readouterr().out
    front, body = out.removeprefix("---\n").split("\n---\n", 1)
    keys = [line.split(":")[0] for line in front.splitlines() if not line.startswith(" ")]
    assert keys == [
        "title",
        "date",
        "author",
        "categories",
        "tags",
        "description",
        "keywords",
        "lang",
    ]
    assert 'title: "cs.CV"' in front and "date: 2026-11-17 01:00:00" in front
    assert 'author: "paperboy"' in front and "Paper 1 on depth estimation" in front
    assert body.lstrip().startswith("> ⚠️ Extractive summary")
    assert "\n# Update 2026-11-17\n" in body
    # equal scores (all primary cs.CV) and equal dates: by id
    assert sections(out) == [
        "Paper 1 on depth estimation",
        "Paper 2 on video diffusion",
        "Paper 3 on segmentation",
    ]
    first = body[body.index("## ") :]
    order = [
        "**Authors:** Author",
        "We study",
        "[PDF](https://arxiv.org/pdf/2611.1",
        "**Summary**",
        "**Key takeaways**",
        "**Analysis**",
    ]
    assert [first.index(t) for t in order] == sorted(first.index(t) for t in order)


def test_chinese_page_with_gemini_summaries(
    env: dict[str, str],
    arxiv_server: ArxivFake,
    gemini: GeminiFake,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--lang zh: Chinese date header and headings, and a note naming the model that wrote them."""
    arxiv_server.set_listing("cs.CV", TUESDAY, cv_listing(2))
    assert main(["digest", "--topic", "cs.CV", "--lang", "zh"], clock=at(TUESDAY_8AM)) == 0
    out = capsys.readouterr().out
    assert "\n# 2026-11-17 更新\n" in out
    assert "> ⚠️ 以下所有内容总结都来自于 Gemini (gemini-2.5-flash)" in out
    assert out.count("**一句话总结**") == 2 and out.count("**要点**") == 2
    assert "方向最新论文已更新" in out.split("\n---\n")[0]
    assert len(gemini.requests) == 2


def test_ranking_skips_new_versions_and_max_cuts_the_tail(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """Title hits rank above abstract hits, replacements are left out, --max keeps the best."""
    arxiv_server.set_listing(
        "cs.CV",
        TUESDAY,
        [
            feed_entry(
                "2611.20001",
                1,
                "Segmentation of cells",
                ["A"],
                "We use diffusion priors.",
                categories=("cs.CV",),
            ),
            feed_entry(
                "2611.20002",
                1,
                "Video diffusion for avatars",
                ["B"],
                "A diffusion model.",
                categories=("cs.CV",),
            ),
            feed_entry(
                "2611.20003",
                1,
                "Depth estimation",
                ["C"],
                "Nothing about it.",
                categories=("cs.CV",),
            ),
            feed_entry(
                "2611.20004",
                2,
                "Diffusion revisited",
                ["D"],
                "Diffusion again.",
                categories=("cs.CV",),
                announce_type="replace",
            ),
            feed_entry(
                "2611.20005",
                1,
                "Diffusion for tabular data",
                ["E"],
                "Tables.",
                categories=("cs.LG", "cs.CV"),
            ),
        ],
    )
    clock = at(TUESDAY_8AM)
    assert main(["digest", "--topic", "diffusion cs.CV"], clock=clock) == 0
    out, err = capsys.readouterr()
    assert sections(out) == [
        "Video diffusion for avatars",
        "Diffusion for tabular data",
        "Segmentation of cells",
    ]
    assert (
        main(
            ["digest", "--topic", "diffusion cs.CV", "--max", "1", "--format", "json"], clock=clock
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert [doc["id"] for doc in json.loads(out)] == ["2611.20002v1"]
    assert "1 of 3 matching papers" in err and "raise --max" in err


def test_past_date_reads_that_mailing_from_the_api(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """--date is the mailing date: Tuesday's papers: submitted Fri 14:00 – Mon 14:00 ET."""
    et = ZoneInfo("America/New_York")
    for arxiv_id, submitted in [
        ("2611.05001", datetime(2026, 11, 6, 15, 0, tzinfo=et)),  # Friday after the deadline: in
        ("2611.05002", datetime(2026, 11, 9, 13, 0, tzinfo=et)),  # Monday before it: in
        ("2611.05003", datetime(2026, 11, 9, 15, 0, tzinfo=et)),  # Monday after it: Wednesday's
        ("2611.05004", datetime(2026, 11, 6, 13, 0, tzinfo=et)),  # Friday before it: Monday's
    ]:
        arxiv_server.add_paper(
            arxiv_id,
            1,
            f"Talking head paper {arxiv_id}",
            ["Ada"],
            "A talking head method.",
            categories=("cs.CV",),
            published=submitted,
        )
    code = main(
        ["digest", "--topic", "talking head", "--date", "2026-11-10", "--format", "text"],
        clock=at(TUESDAY_8AM),
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("talking head: arXiv, 2026-11-10\n")
    assert "Talking head paper 2611.05001" in out and "Talking head paper 2611.05002" in out
    assert "2611.05003" not in out and "2611.05004" not in out


@pytest.mark.parametrize(
    ("day", "reason"), [("2026-11-21", "weekends"), ("2026-11-27", "holidays")]
)
def test_weekend_or_holiday_is_exit_0_with_a_short_page(
    env: dict[str, str],
    arxiv_server: ArxivFake,
    capsys: pytest.CaptureFixture[str],
    day: str,
    reason: str,
) -> None:
    """A Saturday (or the day after Thanksgiving): a page saying so, a stderr line, no request."""
    arxiv_server.clear_requests()
    assert (
        main(
            ["digest", "--topic", "cs.CV", "--date", day],
            clock=at(datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN)),
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert out.startswith("---\n") and f"\n# Update {day}\n" in out
    assert f"No new papers on {day}: arXiv does not announce on {reason}." in out
    assert "## " not in out
    assert f"arXiv does not announce on {reason}" in err
    assert arxiv_server.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--topic=-survey"], "bad --topic: "),
        (["--topic", "-survey -review"], "only leaves things out"),
        (["--topic", "cs.VC"], "Did you mean cs.CV"),
        (["--topic", "cat:cs.CV AND"], "nothing after AND"),
        (["--topic", "cs.CV", "--date", "17/11/2026"], "give a date as YYYY-MM-DD"),
        (["--topic", "cs.CV", "--lang", "../../x y"], "bad --lang"),
        (["--topic", "cs.CV", "--date", "2026-11-25"], "2026-11-25 is in the future"),
        (["--topic", "cs.CV", "--date", "2026-11-28"], "is in the future"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str],
    arxiv_server: ArxivFake,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    """A bad topic or date, or a day still to come: one clear line, exit 2, arXiv not asked."""
    arxiv_server.clear_requests()
    assert main(["digest", *argv], clock=at(TUESDAY_8AM)) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("paperboy: ")
    assert arxiv_server.requests == []


def test_todays_mailing_before_its_announcement_says_when(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Tuesday 01:00 in Berlin, Tuesday's papers come out at 02:00 (Monday 20:00 ET): exit 2."""
    early = datetime(2026, 11, 17, 1, 0, tzinfo=BERLIN)
    assert main(["digest", "--topic", "cs.CV", "--date", "2026-11-17"], clock=at(early)) == 2
    assert (
        "arXiv announces the papers of 2026-11-17 at 2026-11-17 02:00 CET"
        in capsys.readouterr().err
    )


def test_mailing_out_in_new_york_is_available_in_los_angeles_the_evening_before() -> None:
    """At 17:30 in Los Angeles on Monday, Tuesday's mailing (Monday 20:00 ET) is already out."""
    la = datetime(2026, 11, 16, 17, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert resolve_mailing(TUESDAY, la).announcement is not None
    assert resolve_mailing(None, la).day == TUESDAY
    with pytest.raises(MailingNotOut):
        resolve_mailing(TUESDAY, la - timedelta(hours=1))


def test_arxiv_down_is_exit_1(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """The feed answering 503 to every retry: exit 1, a line saying arXiv answered with an error."""
    arxiv_server.fail_next(10, status=503, path="/atom/")
    arxiv_server.fail_next(10, status=503)
    assert main(["digest", "--topic", "cs.CV"], clock=at(TUESDAY_8AM)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "arXiv answered with an error" in err.splitlines()[-1] and "Traceback" not in err


def test_feed_not_caught_up_yet_is_exit_1(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """The feed still shows Monday's mailing when Tuesday's is due: try again later, exit 1."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 16), cv_listing(1))
    assert main(["digest", "--topic", "cs.CV"], clock=at(TUESDAY_8AM)) == 1
    assert "does not list the 2026-11-17 mailing yet" in capsys.readouterr().err


def test_second_run_asks_neither_arxiv_nor_the_model(
    env: dict[str, str],
    arxiv_server: ArxivFake,
    gemini: GeminiFake,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The listing, every paper's full text and every summary are stored: the same digest
    again costs no request."""
    listing = cv_listing(3)
    arxiv_server.set_listing("cs.CV", TUESDAY, listing)
    pdf = (Path(__file__).resolve().parents[1] / "fixtures" / "pdfs" / "2304.02623v1.pdf")
    for entry in listing:  # arXiv has a PDF of every announced paper
        arxiv_server.add_pdf(f"{entry.arxiv_id}v{entry.version}", pdf.read_bytes())
    argv = ["digest", "--topic", "cs.CV"]
    assert main(argv, clock=at(TUESDAY_8AM)) == 0
    first, first_err = capsys.readouterr()
    assert len(gemini.requests) == 3 and "(3 newly summarized)" in first_err
    arxiv_server.clear_requests()
    assert main(argv, clock=at(TUESDAY_8AM + timedelta(hours=1))) == 0
    second, second_err = capsys.readouterr()
    assert len(gemini.requests) == 3 and arxiv_server.requests == []
    assert second == first and "(0 newly summarized)" in second_err


def test_summaries_run_at_most_concurrency_at_a_time(
    env: dict[str, str],
    arxiv_server: ArxivFake,
    gemini: GeminiFake,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """concurrency 2 and a model taking 0.3 s: four papers reach the model in two waves."""
    monkeypatch.setenv("PAPERBOY_SUMMARIZER__CONCURRENCY", "2")
    gemini.default = slow(0.3)
    arxiv_server.set_listing("cs.CV", TUESDAY, cv_listing(4))
    assert main(["digest", "--topic", "cs.CV"], clock=at(TUESDAY_8AM)) == 0
    times = sorted(r.time for r in gemini.requests)
    assert len(times) == 4
    assert times[1] - times[0] < 0.2 and times[2] - times[0] >= 0.25
    assert len(sections(capsys.readouterr().out)) == 4


def test_progress_goes_to_stderr_as_plain_lines_when_not_a_terminal(
    env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """Piped stderr: a few plain lines, no bar; stdout is the page and nothing else."""
    arxiv_server.set_listing("cs.CV", TUESDAY, cv_listing(3))
    assert main(["digest", "--topic", "cs.CV"], clock=at(TUESDAY_8AM)) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "paperboy: reading the 2026-11-17 mailing for 'cs.CV'…",
        "paperboy: summarizing 3 papers…",
        "paperboy: 3 of 3 matching papers for 'cs.CV' on 2026-11-17 (3 newly summarized).",
    ]
    assert out.startswith("---\n") and "paperboy:" not in out and "summarizing" not in out


def test_progress_bar_on_a_terminal_never_reaches_stdout(
    env: dict[str, str], arxiv_server: ArxivFake
) -> None:
    """A real process with stderr on a pseudo-terminal: a bar there; stdout stays Markdown."""
    for i in range(1, 4):
        arxiv_server.add_paper(
            f"2611.0600{i}",
            1,
            f"Talking head paper {i}",
            ["Ada"],
            "Talking heads.",
            categories=("cs.CV",),
            published=datetime(2026, 11, 8, 12, 0, tzinfo=UTC),
        )
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "digest", "--topic", "talking head", "--date", "2026-11-10"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )
    os.close(slave)
    stdout, _ = process.communicate(timeout=60)
    terminal = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    assert process.returncode == 0, terminal
    screen = terminal.decode()
    assert "\r\x1b[2Kpaperboy: summarizing [" in screen and "] 3/3" in screen
    assert "3 of 3 matching papers" in screen
    page = stdout.decode()
    assert page.startswith("---\n") and len(sections(page)) == 3
    assert "\r" not in page and "\x1b" not in page and "summarizing" not in page
