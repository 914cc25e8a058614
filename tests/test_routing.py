"""Route resolution: the per-call override and the client's cache of plans per model."""

from __future__ import annotations

import pytest

from nexgate import InvalidInputError
from nexgate.providers import Provider, Route
from nexgate.routing import PlanCache, route_override


def _providers() -> dict[str, Provider]:
    return {
        "a": Provider("a", "http://127.0.0.1:1", "openai", keys=["k"]),
        "b": Provider("b", "http://127.0.0.1:2", "claude", keys=["k"]),
    }


def test_route_override_reads_route_or_provider() -> None:
    assert route_override({}) is None
    assert route_override({"route": "a"}) == Route("a")
    assert route_override({"provider": "b"}) == Route("b")
    route = Route("a", "m", fallbacks=(Route("b"),))
    assert route_override({"route": route}) is route


def test_route_override_refuses_both_and_other_types() -> None:
    with pytest.raises(TypeError, match="either route= or provider="):
        route_override({"route": "a", "provider": "b"})
    with pytest.raises(InvalidInputError, match=r"nexgate\.Route"):
        route_override({"route": 3})


def test_plans_are_reused_while_the_table_gives_the_same_route() -> None:
    cache = PlanCache()
    providers = _providers()
    routes = {"fast": Route("a", "gpt-x", fallbacks=(Route("b", "claude-x"),))}
    first = cache.plans("fast", routes=routes, providers=providers, default=None)
    assert [(p.provider.name, p.format, p.model) for p in first] == [
        ("a", "openai", "gpt-x"),
        ("b", "claude", "claude-x"),
    ]
    assert cache.plans("fast", routes=routes, providers=providers, default=None) is first


def test_a_changed_route_table_entry_is_followed() -> None:
    cache = PlanCache()
    providers = _providers()
    routes = {"fast": Route("a", "gpt-x")}
    cache.plans("fast", routes=routes, providers=providers, default=None)
    routes["fast"] = Route("b", "claude-x")
    (plan,) = cache.plans("fast", routes=routes, providers=providers, default=None)
    assert (plan.provider.name, plan.model) == ("b", "claude-x")


def test_a_changed_default_or_provider_is_followed() -> None:
    cache = PlanCache()
    providers = _providers()
    (plan,) = cache.plans("m", routes={}, providers=providers, default=Route("a"))
    assert plan.provider.name == "a"
    (plan,) = cache.plans("m", routes={}, providers=providers, default=Route("b"))
    assert plan.provider.name == "b"
    default = Route("a")
    cache.plans("m", routes={}, providers=providers, default=default)
    replaced = Provider("a", "http://127.0.0.1:3", "gemini", keys=["k"])
    providers["a"] = replaced
    (plan,) = cache.plans("m", routes={}, providers=providers, default=default)
    assert plan.provider is replaced
    assert plan.format == "gemini"


def test_the_cache_starts_over_when_full() -> None:
    cache = PlanCache(size=2)
    providers = _providers()
    default = Route("a")
    first = cache.plans("m1", routes={}, providers=providers, default=default)
    cache.plans("m2", routes={}, providers=providers, default=default)
    cache.plans("m3", routes={}, providers=providers, default=default)  # clears, then keeps m3
    again = cache.plans("m1", routes={}, providers=providers, default=default)
    assert again == first
    assert again is not first  # resolved anew after the reset


def test_unknown_provider_and_missing_model_are_typed_errors() -> None:
    cache = PlanCache()
    with pytest.raises(InvalidInputError, match="unknown provider 'zzz'"):
        cache.plans("m", routes={}, providers=_providers(), default=Route("zzz"))
    with pytest.raises(InvalidInputError, match="names no model"):
        cache.plans(None, routes={}, providers=_providers(), default=Route("a"))
