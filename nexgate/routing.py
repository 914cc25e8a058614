"""Resolving a model name to the concrete upstream calls to try, in order."""

from __future__ import annotations

from collections.abc import Mapping

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
