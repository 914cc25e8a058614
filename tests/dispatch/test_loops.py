"""A client reused from one ``asyncio.run`` to the next (as a sync helper wrapping each call
does), or never closed, leaves no connection open at the upstream: each loop's session is
closed as that loop shuts down."""

from __future__ import annotations

import asyncio
import gc
import time
import warnings

import nexgate
from nexgate.providers import Provider, Route
from nexgate.testing import MockUpstream, mock_in_thread

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _open_connections_settle(mock: MockUpstream) -> int:
    for _ in range(50):
        if mock.open_connections() == 0:
            break
        time.sleep(0.02)
    return mock.open_connections()


def test_reusing_a_client_across_asyncio_run_leaves_no_connection_open() -> None:
    with mock_in_thread(keys=["k"]) as mock:
        provider = Provider("p", mock.base_url, "openai", keys=["k"])
        # Held in a list so that dropping it below is the last reference going.
        clients = [nexgate.Client(providers=[provider], default=Route("p"), environ={})]

        async def call() -> str:
            reply = await clients[0].send(BODY, format="openai")
            return str(reply["choices"][0]["message"]["content"])

        for _ in range(5):
            assert asyncio.run(call()) == "echo: hi"
        assert _open_connections_settle(mock) == 0
        asyncio.run(clients[0].aclose())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clients.clear()
            gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_a_client_never_closed_leaves_no_connection_once_its_loop_ends() -> None:
    with mock_in_thread(keys=["k"]) as mock:
        provider = Provider("p", mock.base_url, "openai", keys=["k"])
        client = nexgate.Client(providers=[provider], default=Route("p"), environ={})

        async def call() -> None:
            await client.send(BODY, format="openai")

        asyncio.run(call())
        assert _open_connections_settle(mock) == 0
