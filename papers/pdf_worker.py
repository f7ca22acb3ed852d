"""Run a function in a worker process with a hard wall-time and memory cap, for hostile input.

PDFium is not thread-safe (not even across documents), and a malformed PDF can make any parser
loop, balloon or crash. So every parse runs here, in a separate Python process::

    paper = await run_isolated(parse_pdf, path, 40, timeout_s=30, memory_mb=512)

- ``fn`` must be a top-level function of an importable module (or a ``functools.partial`` of
  one); it and its arguments are pickled to the worker.
- Over ``timeout_s`` of wall time the worker is killed (SIGKILL) and replaced: IsolatedTimeout.
- ``memory_mb`` caps the worker's address space (RLIMIT_AS) while ``fn`` runs: an allocation
  beyond it fails, giving IsolatedMemoryError (or IsolatedCrash if native code aborts).
- A worker that dies (segfault, abort, OOM killer) gives IsolatedCrash; the next call gets a
  fresh worker. An exception ``fn`` raises is raised again here.
- Replies are unpickled with a whitelist (plain builtins, ``datetime``, ``pathlib``, and the
  dataclasses and exceptions of the ``papers`` package), so a worker subverted by a crafted file
  cannot make the bot run code while reading its reply.

Workers are plain ``python -c`` subprocesses (not multiprocessing): they start in well under a
second (about 0.1 s) without re-importing the bot's ``__main__``, and live in their own session so a Ctrl-C
in the terminal does not reach them. Idle workers are reused; each serves at most
``max_jobs_per_worker`` jobs. A worker whose parent is gone exits at the end of its pipe (an
idle one at once, a busy one at the latest when its CPU-time backstop, twice the time cap, ends).
"""

from __future__ import annotations

import asyncio
import atexit
import builtins
import contextlib
import dataclasses
import io
import json
import logging
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, TypeVar

from papers.errors import PapersError

__all__ = [
    "IsolatedCrash",
    "IsolatedError",
    "IsolatedFailure",
    "IsolatedMemoryError",
    "IsolatedRunner",
    "IsolatedTimeout",
    "default_runner",
    "run_isolated",
]

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_FRAME = struct.Struct("!Q")
_MB = 1024 * 1024
_BOOT = (
    "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
    "from papers.pdf_worker import _serve; _serve()"
)


class IsolatedError(PapersError):
    """A function run in the worker process did not complete normally."""


class IsolatedTimeout(IsolatedError):
    """It ran longer than its wall-time cap; the worker was killed."""


class IsolatedMemoryError(IsolatedError):
    """It needed more memory than its cap."""


class IsolatedCrash(IsolatedError):
    """The worker process died (a signal, an abort, the OOM killer)."""


class IsolatedFailure(IsolatedError):
    """It raised an exception that cannot travel back as itself; the message names it."""


# -- the worker side ---------------------------------------------------------------------------

_SAFE_BUILTINS = frozenset(
    {"set", "frozenset", "bytearray", "complex", "range", "slice", "list", "dict", "tuple",
     "str", "bytes", "int", "float", "bool"}
)  # fmt: skip
_SAFE_MODULES = ("datetime", "pathlib")


def _allowed_class(module: str, name: str) -> Any | None:
    """The class ``module.name`` if a worker's reply may contain it, else None."""
    if module == "builtins":
        obj = getattr(builtins, name, None)
        if name in _SAFE_BUILTINS or (isinstance(obj, type) and issubclass(obj, BaseException)):
            return obj
        return None
    if module in _SAFE_MODULES or module == "papers" or module.startswith("papers."):
        try:
            obj = getattr(sys.modules.get(module) or __import__(module, fromlist=["_"]), name)
        except (ImportError, AttributeError):
            return None
        if isinstance(obj, type) and (
            module in _SAFE_MODULES
            or issubclass(obj, BaseException)
            or dataclasses.is_dataclass(obj)
        ):
            return obj
    return None


class _ReplyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        obj = _allowed_class(module, name)
        if obj is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a worker's reply")
        return obj


def _read_frame(stream: IO[bytes], max_bytes: int | None = None) -> bytes | None:
    """One length-prefixed message; None at the end of the stream."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    if max_bytes is not None and size > max_bytes:
        raise OSError(f"a worker's reply of {size} bytes is over the limit")
    data = stream.read(size)
    return data if len(data) == size else None


def _write_frame(stream: IO[bytes], data: bytes) -> None:
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` itself if the parent will accept it, else an IsolatedFailure naming it."""
    kind = type(exc)
    if _allowed_class(kind.__module__, kind.__qualname__) is kind:
        with contextlib.suppress(Exception):  # an __init__ that does not round-trip
            pickle.loads(pickle.dumps(exc))
            return exc
    return IsolatedFailure(f"{kind.__name__}: {exc}")


@contextlib.contextmanager
def _limits(memory_mb: float | None, timeout_s: float) -> Any:
    """Cap the address space (and, as a backstop for an orphaned worker, CPU time) of this
    process while one job runs; restore the previous soft limits afterwards."""
    try:
        import resource
    except ImportError:  # not a Unix: only the parent's wall-time cap applies
        yield
        return
    as_soft, as_hard = resource.getrlimit(resource.RLIMIT_AS)
    cpu_soft, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_cap = int(used.ru_utime + used.ru_stime + 2 * timeout_s + 5)
    if cpu_hard != resource.RLIM_INFINITY:
        cpu_cap = min(cpu_cap, cpu_hard)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_cap, cpu_hard))
    if memory_mb:
        cap = int(memory_mb * _MB)
        if as_hard != resource.RLIM_INFINITY:
            cap = min(cap, as_hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, as_hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (as_soft, as_hard))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))


def _run_job(data: bytes) -> bytes:
    """Unpickle one job, run it under its caps, and pickle the outcome."""
    outcome: tuple[str, Any]
    try:
        fn, args, memory_mb, timeout_s = pickle.loads(data)
    except BaseException as exc:  # noqa: BLE001 - e.g. the function's module cannot be imported
        outcome = ("error", IsolatedFailure(f"cannot load the job: {type(exc).__name__}: {exc}"))
    else:
        try:
            with _limits(memory_mb, timeout_s):
                outcome = ("ok", fn(*args))
        except MemoryError:
            outcome = ("memory", None)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            outcome = ("error", _sendable(exc))
    try:
        return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return pickle.dumps(("memory", None))
    except Exception as exc:  # noqa: BLE001 - a result that does not pickle
        failure = IsolatedFailure(f"the result cannot be sent back: {type(exc).__name__}: {exc}")
        return pickle.dumps(("error", failure))


def _serve() -> None:
    """The worker's main loop: jobs on stdin, replies on (the original) stdout, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (ours or a native library's) go to stderr, not into replies
    sys.stdout = sys.stderr
    while True:
        data = _read_frame(requests)
        if data is None:
            return
        _write_frame(replies, _run_job(data))


# -- the parent side ---------------------------------------------------------------------------


def _worker_environment() -> dict[str, str]:
    """The bot's environment without its secrets: a worker parses hostile files, and a
    subverted one must not find a token to steal."""
    secret = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
    return {
        name: value for name, value in os.environ.items()
        if not name.startswith("PAPERBOY_") and not secret.search(name)
    }


class _Worker:
    """One worker process and its pipes; ``call`` blocks and must run on a thread."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, json.dumps(sys.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,
            env=_worker_environment(),
        )
        self.jobs = 0

    def call(self, payload: bytes, max_reply: int) -> bytes:
        """Send one job and wait for its reply; EOFError if the worker dies meanwhile."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            _write_frame(self.proc.stdin, payload)
        except (BrokenPipeError, ValueError) as exc:
            raise EOFError("the worker is gone") from exc
        reply = _read_frame(self.proc.stdout, max_reply)
        if reply is None:
            raise EOFError("the worker closed its pipe")
        return reply

    def kill(self) -> None:
        """Stop the worker now (SIGKILL) and reap it."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def death(self) -> str:
        """How the worker ended, for messages: ``killed by SIGSEGV``, ``exited with 1``."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with {code}"


class IsolatedRunner:
    """A small pool of worker processes; ``run`` executes one function in one of them.

    Usable from any event loop (tests run many); at most ``max_workers`` jobs run at once, the
    others wait for a free worker before their time cap starts.
    """

    def __init__(
        self, max_workers: int = 2, *, max_jobs_per_worker: int = 50, max_reply_mb: int = 256
    ) -> None:
        self._max_workers = max(1, max_workers)
        self._max_jobs = max(1, max_jobs_per_worker)
        self._max_reply = max_reply_mb * _MB
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(self._max_workers, thread_name_prefix="isolated")
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._closed = False

    async def run(
        self,
        fn: Callable[..., _T],
        *args: Any,
        timeout_s: float,
        memory_mb: float | None = None,
    ) -> _T:
        """``fn(*args)`` in a worker process, within ``timeout_s`` seconds of wall time (once a
        worker is free) and ``memory_mb`` of address space (None: no memory cap).

        Raises IsolatedTimeout, IsolatedMemoryError, IsolatedCrash, or what ``fn`` raised
        (IsolatedFailure when that cannot be sent back as itself).
        """
        if self._closed:
            raise IsolatedError("the worker pool is closed")
        payload = pickle.dumps((fn, args, memory_mb, timeout_s), protocol=pickle.HIGHEST_PROTOCOL)
        name = getattr(getattr(fn, "func", fn), "__qualname__", type(fn).__name__)
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self._max_workers)
        async with gate:
            worker = self._take()
            keep = False
            started = time.monotonic()
            future = loop.run_in_executor(self._threads, worker.call, payload, self._max_reply)
            future.add_done_callback(_retrieve)  # after a timeout or cancellation nobody awaits it
            try:
                done, _ = await asyncio.wait({future}, timeout=timeout_s)
                if not done:
                    worker.kill()
                    await asyncio.wait({future}, timeout=5)
                    raise IsolatedTimeout(f"{name} took longer than {timeout_s:g} s")
                try:
                    reply = future.result()
                except (EOFError, OSError) as exc:
                    raise IsolatedCrash(
                        f"the worker running {name} died ({worker.death()})"
                    ) from exc
                try:
                    status, value = _ReplyUnpickler(io.BytesIO(reply)).load()
                except Exception as exc:  # noqa: BLE001 - whatever a subverted worker sent
                    raise IsolatedFailure(f"{name} sent back an unreadable reply: {exc}") from None
                if status == "memory":
                    raise IsolatedMemoryError(f"{name} needed more than {memory_mb:g} MB")
                keep = True
                if status == "ok":
                    return value  # type: ignore[no-any-return]
                if not isinstance(value, BaseException):
                    raise IsolatedFailure(f"{name} sent back a malformed error")
                raise value
            finally:
                worker.jobs += 1
                if keep and worker.jobs < self._max_jobs and not self._closed:
                    with self._lock:
                        self._idle.append(worker)
                else:
                    worker.kill()
                log.debug(
                    "%s ran %.3f s in worker %s", name, time.monotonic() - started, worker.proc.pid
                )

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.proc.poll() is None:
                    return worker
                worker.kill()
        try:
            return _Worker()
        except OSError as exc:
            raise IsolatedCrash(f"cannot start a worker process: {exc}") from exc

    @property
    def idle_pids(self) -> list[int]:
        """Process ids of the idle workers (for tests and diagnostics)."""
        with self._lock:
            return [w.proc.pid for w in self._idle]

    def close(self) -> None:
        """Stop every idle worker; later ``run`` calls raise IsolatedError."""
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        """``close`` for async callers."""
        self.close()


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


_default: IsolatedRunner | None = None
_default_lock = threading.Lock()


def default_runner() -> IsolatedRunner:
    """The process's shared pool (two workers at most), started on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = IsolatedRunner(max_workers=min(2, os.cpu_count() or 1))
            atexit.register(_default.close)
        return _default


async def run_isolated(
    fn: Callable[..., _T], *args: Any, timeout_s: float, memory_mb: float | None = None
) -> _T:
    """Run ``fn(*args)`` in the shared worker pool under a time and a memory cap; see
    ``IsolatedRunner.run``."""
    return await default_runner().run(fn, *args, timeout_s=timeout_s, memory_mb=memory_mb)
