"""The memory-trim thread is woken only when it waits: not once per request under load."""

from __future__ import annotations

import threading

import pytest

from app import httpserver


class _CountingEvent(threading.Event):
    def __init__(self) -> None:
        super().__init__()
        self.sets = 0

    def set(self) -> None:
        self.sets += 1
        super().set()


def test_requests_ending_while_the_thread_is_awake_do_not_signal_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = _CountingEvent()
    monkeypatch.setattr(httpserver, "_quiet", quiet)
    monkeypatch.setattr(httpserver, "_in_flight", 0)
    httpserver.request_began()
    httpserver.request_ended()
    assert quiet.sets == 1 and quiet.is_set()  # the waiting thread is woken
    for _ in range(100):  # it pauses before trimming: these find it awake already
        httpserver.request_began()
        httpserver.request_ended()
    assert quiet.sets == 1
    quiet.clear()  # the thread, after its pause
    httpserver.request_began()
    httpserver.request_ended()
    assert quiet.sets == 2  # the next quiet moment wakes it again
