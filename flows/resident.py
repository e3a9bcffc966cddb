"""The resident Prefect server's own process (`python -m flows.resident`, started by flows/server.py).

It serves Prefect's whole server app (API, UI and background services, as `prefect server start`
does) under uvicorn, on the socket its starter already bound, and adds three things:
- until it answers, it ends if its starter ends: a run stopped while the server was starting
  leaves no half-started server behind;
- it stops itself after `--idle-minutes` without a run (0: never), or when `doudi server stop`
  asks, and never while a run holds the lease (flows/server.py);
- before it stops, it waits until no run is still connected, and then until Prefect's in-memory
  event queues are empty: Prefect records task runs from the events the runs sent, in the
  background, and what is still queued when the task-run recorder stops is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from flows import server as resident

DRAIN_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--idle-minutes", type=float, required=True)
    parser.add_argument("--starter", type=int, required=True)
    args = parser.parse_args()
    answering = threading.Event()
    threading.Thread(target=_end_with_starter, args=(args.starter, answering, args.home), daemon=True).start()
    sock = socket.socket(fileno=args.fd)

    import uvicorn
    from prefect.server.api.server import create_app

    app = create_app(final=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    app.router.lifespan_context = _lifespan(app.router.lifespan_context, server, args, answering)
    try:
        server.run(sockets=[sock])
    finally:
        resident.forget_state(args.home, os.getpid())


def _lifespan(prefect_lifespan, server, args, answering: threading.Event):
    """Prefect's lifespan, with the idle watch once it is up and the drain before it stops."""

    @asynccontextmanager
    async def lifespan(app):
        async with prefect_lifespan(app) as state:
            answering.set()
            watch = asyncio.create_task(_watch(server, args.home, args.idle_minutes * 60))
            try:
                yield state
            finally:
                watch.cancel()
                await _drained(DRAIN_SECONDS)

    return lifespan


def _end_with_starter(starter: int, answering: threading.Event, home: Path) -> None:
    while not answering.wait(0.2):
        if not resident.alive(starter):
            resident.forget_state(home, os.getpid())
            os._exit(0)


async def _watch(server, home: Path, idle_seconds: float) -> None:
    """Ask uvicorn to stop when `doudi server stop` asks (it holds the lease: no run is in
    progress), or once no run has held the lease for `idle_seconds` (0: never). The lease is then
    kept exclusively until this process exits, so that a run arriving meanwhile waits for the end
    and starts a new server rather than use this one as it stops."""
    busy_until, checked = time.time(), 0.0
    interval = min(30.0, max(0.2, idle_seconds / 10))
    while not resident.stop_requested(home, os.getpid()):
        await asyncio.sleep(0.2)
        if not idle_seconds or time.monotonic() - checked < interval:
            continue
        checked = time.monotonic()
        lease = resident.exclusive_lease(home, wait=False)
        if lease is None:  # a run holds it
            busy_until = time.time()
            continue
        if time.time() - max(busy_until, resident.last_used(home)) >= idle_seconds:
            _kept.append(lease)
            break
        lease.close()
    await _runs_disconnected(server)
    resident.forget_state(home, os.getpid())
    server.should_exit = True


async def _runs_disconnected(server, seconds: float = 15) -> None:
    """Until no run is still connected by websocket: uvicorn drops what an open one has not yet
    handed to the app when it shuts down, and a run that ended may still be closing its own."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
            "websocket" in type(connection).__name__.lower() for connection in list(server.server_state.connections)):
        await asyncio.sleep(0.1)


_kept: list = []


async def _drained(seconds: float) -> None:
    """Until every subscriber of Prefect's in-memory broker has taken its messages (the task-run
    recorder and the event persister then write what they took as they stop)."""
    from prefect.server.utilities.messaging import memory

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        not subscription._queue.empty() or not subscription._retry.empty()  # Prefect's own queues
        for topic in list(memory.Topic._topics.values()) for subscription in list(topic._subscriptions)
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # a message taken just now is still being handled


if __name__ == "__main__":
    main()
