"""The requests' database threads: where Rapport hands blocking database work off the
event loop (``app.web.deps.in_thread``; the bench's floor replays with them too)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

DATABASE_THREAD_PREFIX = "rapport-db-"  # the threads' names (the bench's floor tells them apart)


class _Answer(asyncio.Future[Any]):
    """What a worker thread hands back. A request cancelled meanwhile does not abandon it:
    the thread is using the request's session, so the task waits until the thread is done
    and only then sees the cancellation (what anyio's shielded turn did): refusing the
    cancel makes asyncio deliver it at the task's next step."""

    def cancel(self, msg: Any | None = None) -> bool:
        return False


_Job = tuple[contextvars.Context, Callable[..., Any], tuple[Any, ...], dict[str, Any], _Answer]


class DatabaseThreads:
    """``RAPPORT_WORKER_THREADS`` threads taking the requests' blocking database work from
    one queue: a thread that finishes takes the next job without going back to sleep, and a
    turn is a put, the work and one call back to the event loop.

    anyio's turn (what ``run_in_threadpool`` takes) costs more than many of the statements it
    carries: two checkpoints (event-loop passes), a capacity limiter, a shielded cancel scope
    and a queue per thread, woken one job at a time. With 16 requests in flight a turn of no
    work cost 70-75 us of CPU through anyio and 7-18 us here; on PostgreSQL, where a read
    took two turns, the served worker's CPU per request fell 7-28 % (interview detail,
    agenda, dashboard, contacts list; bench A/B, issue 17). Plain ``def`` handlers run here
    too (``app.web.deps.on_database_threads``); FastAPI's turns for plain ``def`` dependencies and request
    bodies stay on anyio's threads.
    """

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        for number in range(size):
            name = f"{DATABASE_THREAD_PREFIX}{number}"
            threading.Thread(target=self._serve, name=name, daemon=True).start()

    def put(self, job: _Job) -> None:
        self._jobs.put(job)

    def _serve(self) -> None:
        jobs = self._jobs
        while True:
            context, work, args, kwargs, answer = jobs.get()
            result: Any = None
            error: BaseException | None = None
            try:
                result = context.run(work, *args, **kwargs)
            except BaseException as exc:  # handed to the awaiting task, as anyio does
                error = exc
            with contextlib.suppress(RuntimeError):  # a closed event loop: nobody waits now
                answer.get_loop().call_soon_threadsafe(_settle, answer, result, error)
            del context, work, args, kwargs, answer, result, error


def _settle(answer: _Answer, result: Any, error: BaseException | None) -> None:
    if error is None:
        answer.set_result(result)
    elif isinstance(error, StopIteration):
        # A future refuses StopIteration (the awaiting task would then never wake): raised
        # as a RuntimeError, as anyio does.
        wrapped = RuntimeError("the work raised StopIteration")
        wrapped.__cause__ = error
        answer.set_exception(wrapped)
    else:
        answer.set_exception(error)


# One pool per size for the process (tests build apps with different sizes); a forked child
# starts its own, since threads do not survive a fork.
_THREADS: dict[int, DatabaseThreads] = {}
_THREADS_LOCK = threading.Lock()
os.register_at_fork(after_in_child=_THREADS.clear)


def _database_threads(size: int) -> DatabaseThreads:
    threads = _THREADS.get(size)
    if threads is None:
        with _THREADS_LOCK:
            threads = _THREADS.get(size)
            if threads is None:
                threads = _THREADS[size] = DatabaseThreads(size)
    return threads


async def in_database_thread(
    size: int, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run ``work`` on one of the pool of ``size`` threads, in a copy of the caller's context."""
    answer = _Answer(loop=asyncio.get_running_loop())
    _database_threads(size).put((contextvars.copy_context(), work, args, kwargs, answer))
    result: R = await answer
    return result
