"""Resolving a model name to the concrete upstream calls to try, in order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .errors import InvalidInputError
from .formats import format_name
from .providers import Provider, Route, check_model_id
from .schema import FormatName


class Plan(msgspec.Struct, frozen=True):
    """One concrete call: this provider, in this format, with this upstream model id."""

    provider: Provider
    format: FormatName
    model: str


def _plan(route: Route, alias: str, providers: Mapping[str, Provider]) -> Plan:
    provider = providers.get(route.provider)
    if provider is None:
        known = ", ".join(sorted(providers))
        raise InvalidInputError(
            f"unknown provider {route.provider!r}; known: {known}", path="route"
        )
    fmt = route.format or provider.format
    if fmt is None:
        raise InvalidInputError(
            f"provider {provider.name!r} speaks every format: the route must choose one",
            path="route",
        )
    return Plan(provider, format_name(fmt), check_model_id(route.model or alias))


def resolve(
    model: str | None,
    *,
    routes: Mapping[str, Route],
    providers: Mapping[str, Provider],
    default: Route | None,
    override: Route | None = None,
) -> list[Plan]:
    """The primary plan and its fallbacks for ``model``."""
    if model is None and override is None and (default is None or default.model is None):
        raise InvalidInputError("the request names no model", path="$.model")
    route = override or routes.get(model or "") or default
    if route is None:
        raise InvalidInputError(
            f"no route for model {model!r} and no default provider", path="$.model"
        )
    alias = model or route.model or ""
    plans = [_plan(route, alias, providers)]
    plans += [_plan(fallback, alias, providers) for fallback in route.fallbacks]
    return plans


def route_override(overrides: Mapping[str, Any]) -> Route | None:
    """The route a call's ``route=`` or ``provider=`` keyword chooses, if any."""
    route = overrides.get("route")
    provider = overrides.get("provider")
    if provider is not None:
        if route is not None:
            raise TypeError("pass either route= or provider=, not both")
        route = provider
    if isinstance(route, str):
        return Route(route)
    if route is not None and not isinstance(route, Route):
        raise InvalidInputError("route must be a nexgate.Route or a provider name", path="route")
    return route


class PlanCache:
    """The plans of the models a client calls, reused while they still follow.

    Most calls name one of a few models; resolving a route each time would cost every call.
    A model's plans are kept with the route table's entry and the default route they came
    from, and reused while the (mutable) table and providers give the same objects. The cache
    starts over when it holds ``size`` models.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._plans: dict[str | None, tuple[Route | None, Route | None, list[Plan]]] = {}

    def plans(
        self,
        model: str | None,
        *,
        routes: Mapping[str, Route],
        providers: Mapping[str, Provider],
        default: Route | None,
    ) -> list[Plan]:
        """:func:`resolve` of ``model`` (without override), from the cache when still current."""
        cached = self._plans.get(model)
        if cached is not None:
            table_route, cached_default, plans = cached
            if (
                table_route is routes.get(model or "")
                and cached_default is default
                and _same_providers(plans, providers)
            ):
                return plans
        plans = resolve(model, routes=routes, providers=providers, default=default)
        if len(self._plans) >= self.size:
            self._plans.clear()
        self._plans[model] = (routes.get(model or ""), default, plans)
        return plans


def _same_providers(plans: list[Plan], providers: Mapping[str, Provider]) -> bool:
    for plan in plans:  # noqa: SIM110 - on every call: a loop costs less than all(<genexpr>)
        if providers.get(plan.provider.name) is not plan.provider:
            return False
    return True
