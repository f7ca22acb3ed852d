"""The isolated worker: results and errors come back, hangs are killed, memory is capped, crashes
are contained, and the next call always gets a working worker (issue 8, "Isolation")."""

from __future__ import annotations

import asyncio
import ctypes
import decimal
import os
import pickle
import time
from collections.abc import AsyncIterator

import pytest

from papers.pdf_worker import (
    IsolatedCrash,
    IsolatedFailure,
    IsolatedMemoryError,
    IsolatedRunner,
    IsolatedTimeout,
    run_isolated,
)

# -- functions run in the worker: top level, so that the worker can import them ----------------


def environment(name: str) -> str | None:
    return os.environ.get(name)


def add(a: int, b: int) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def spin() -> None:
    while True:  # a parser stuck in a loop, never yielding
        pass


def allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def refuse(text: str) -> None:
    raise ValueError(text)


def segfault() -> None:
    ctypes.string_at(0)


def exit_hard(code: int) -> None:
    os._exit(code)


def odd_result() -> decimal.Decimal:
    return decimal.Decimal("1.5")  # not a class a worker's reply may contain


class _LocalError(Exception):
    pass


def odd_error() -> None:
    raise _LocalError("from a module the bot will not unpickle")


# -- tests --------------------------------------------------------------------------------------


@pytest.fixture
async def runner() -> AsyncIterator[IsolatedRunner]:
    """A private pool of two workers, stopped after the test."""
    pool = IsolatedRunner(max_workers=2)
    yield pool
    await pool.aclose()


def _alive(process_id: int) -> bool:
    try:
        os.kill(process_id, 0)
    except ProcessLookupError:
        return False
    return True


async def test_result_comes_back_from_another_process(runner: IsolatedRunner) -> None:
    """The function runs in a separate process; its result is returned; workers are reused."""
    assert await runner.run(add, 2, 3, timeout_s=10) == 5
    first = await runner.run(pid, timeout_s=10)
    assert first != os.getpid()
    assert await runner.run(pid, timeout_s=10) == first


async def test_exception_is_raised_again_in_the_caller(runner: IsolatedRunner) -> None:
    """An ordinary exception of the function reaches the caller as itself; the worker stays."""
    before = await runner.run(pid, timeout_s=10)
    with pytest.raises(ValueError, match="bad input"):
        await runner.run(refuse, "bad input", timeout_s=10)
    assert await runner.run(pid, timeout_s=10) == before


async def test_hang_is_killed_at_the_time_cap_and_replaced(runner: IsolatedRunner) -> None:
    """A function that never returns is killed at its wall-time cap; the next call works."""
    victim = await runner.run(pid, timeout_s=10)
    started = time.monotonic()
    with pytest.raises(IsolatedTimeout, match="spin took longer than 0.3 s"):
        await runner.run(spin, timeout_s=0.3)
    assert time.monotonic() - started < 2.0
    assert not _alive(victim)
    fresh = await runner.run(pid, timeout_s=10)
    assert fresh != victim and _alive(fresh)


async def test_memory_cap_stops_a_runaway_allocation(runner: IsolatedRunner) -> None:
    """Allocating beyond memory_mb fails inside the worker, not in the bot; the next call works."""
    with pytest.raises(IsolatedMemoryError, match="more than 200 MB"):
        await runner.run(allocate, 400, timeout_s=10, memory_mb=200)
    assert await runner.run(allocate, 50, timeout_s=10, memory_mb=200) == 50 * 1024 * 1024


async def test_crash_is_contained(runner: IsolatedRunner) -> None:
    """A segfault or a hard exit kills only the worker; the caller gets IsolatedCrash."""
    with pytest.raises(IsolatedCrash, match="SIGSEGV"):
        await runner.run(segfault, timeout_s=10)
    with pytest.raises(IsolatedCrash, match="exited with 3"):
        await runner.run(exit_hard, 3, timeout_s=10)
    assert await runner.run(add, 1, 1, timeout_s=10) == 2


async def test_replies_are_unpickled_with_a_whitelist(runner: IsolatedRunner) -> None:
    """A reply may hold builtins and papers classes only, so a subverted worker cannot run code
    in the bot; an exception of another module arrives as IsolatedFailure naming it."""
    with pytest.raises(IsolatedFailure, match="decimal.Decimal is not allowed"):
        await runner.run(odd_result, timeout_s=10)
    with pytest.raises(IsolatedFailure, match="_LocalError: from a module"):
        await runner.run(odd_error, timeout_s=10)


async def test_functions_must_be_importable(runner: IsolatedRunner) -> None:
    """A lambda cannot be sent to a worker: the caller learns at once."""
    with pytest.raises((pickle.PicklingError, AttributeError)):
        await runner.run(lambda: 1, timeout_s=10)


async def test_jobs_run_in_parallel_and_queue_without_losing_time(runner: IsolatedRunner) -> None:
    """Two workers run two jobs at once; a third waits for a free worker, and its time cap
    starts only when it runs."""
    await asyncio.gather(runner.run(pid, timeout_s=10), runner.run(pid, timeout_s=10))  # warm
    started = time.monotonic()
    results = await asyncio.gather(*(runner.run(nap, 0.4, timeout_s=0.8) for _ in range(3)))
    assert results == [0.4, 0.4, 0.4]
    assert 0.75 < time.monotonic() - started < 1.6


async def test_cancelled_caller_does_not_leave_a_busy_worker(runner: IsolatedRunner) -> None:
    """Cancelling the caller kills the worker doing its job; the pool keeps working."""
    victim = await runner.run(pid, timeout_s=10)
    task = asyncio.create_task(runner.run(nap, 30, timeout_s=60))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(victim)
    assert await runner.run(add, 2, 2, timeout_s=10) == 4


async def test_shared_pool_for_the_figures_code() -> None:
    """run_isolated uses the process's shared pool."""
    assert await run_isolated(add, 20, 22, timeout_s=10, memory_mb=512) == 42


async def test_workers_do_not_see_the_bots_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker parses hostile files: the bot's tokens and keys are not in its environment."""
    monkeypatch.setenv("PAPERBOY_TELEGRAM__TOKEN", "123456:AAsecretWorkerMustNotSee0000000000")
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaWorkerMustNotSeeThisKey0000000000")
    monkeypatch.setenv("HOME_FOR_THE_TEST", "kept")
    pool = IsolatedRunner(max_workers=1)  # started after the variables were set
    try:
        assert await pool.run(environment, "PAPERBOY_TELEGRAM__TOKEN", timeout_s=10) is None
        assert await pool.run(environment, "GEMINI_API_KEY", timeout_s=10) is None
        assert await pool.run(environment, "HOME_FOR_THE_TEST", timeout_s=10) == "kept"
    finally:
        await pool.aclose()
