"""The requests' database threads (``app.web.deps.in_thread``): work runs off the event loop
in the caller's context, no more than RAPPORT_WORKER_THREADS at once, errors come back as
raised, and a cancelled request still waits for the thread that is using its session."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from app.web.deps import in_thread

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_with(worker_threads: int) -> Any:
    settings = SimpleNamespace(worker_threads=worker_threads)
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))


def test_work_runs_in_another_thread_with_the_callers_context() -> None:
    async def main() -> tuple[int, int, str]:
        REQUEST_ID.set("req-7")
        loop_thread = threading.get_ident()

        def work(x: int, *, y: int) -> tuple[int, int, str]:
            return x + y, threading.get_ident(), REQUEST_ID.get()

        total, thread, request_id = await in_thread(request_with(2), work, 2, y=3)
        assert thread != loop_thread
        return total, thread, request_id

    total, _, request_id = asyncio.run(main())
    assert (total, request_id) == (5, "req-7")


def test_an_error_in_the_thread_is_raised_to_the_caller() -> None:
    def fails() -> None:
        raise LookupError("not there")

    async def main() -> None:
        await in_thread(request_with(2), fails)

    with pytest.raises(LookupError, match="not there"):
        asyncio.run(main())


def test_a_stop_iteration_in_the_thread_is_raised_not_lost() -> None:
    # A future refuses StopIteration; lost, it would leave the request waiting forever.
    def stops() -> None:
        raise StopIteration

    async def main() -> None:
        await asyncio.wait_for(in_thread(request_with(2), stops), timeout=5)

    with pytest.raises(RuntimeError, match="StopIteration"):
        asyncio.run(main())


def test_no_more_than_worker_threads_run_at_once() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def work(index: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return index

    async def main() -> list[int]:
        return list(await asyncio.gather(*(in_thread(request_with(3), work, i) for i in range(9))))

    assert asyncio.run(main()) == list(range(9))
    assert most == 3


def test_a_cancelled_request_waits_for_its_thread_to_finish() -> None:
    # The thread is using the request's session: the request's clean-up (closing it) must
    # not run while the thread still works, so the cancellation arrives after the thread.
    release = threading.Event()
    finished: list[str] = []

    def work() -> str:
        release.wait(5)
        finished.append("thread")
        return "done"

    async def main() -> None:
        async def request() -> None:
            try:
                await in_thread(request_with(1), work)
            finally:
                finished.append("request clean-up")

        task = asyncio.ensure_future(request())
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0.05)
        assert not task.done()  # still waiting for the thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert finished == ["thread", "request clean-up"]
