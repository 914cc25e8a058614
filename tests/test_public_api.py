"""The public surface: ``__all__`` lists exactly the public names, and each one resolves."""

from __future__ import annotations

import inspect

import nexgate


def test_all_is_a_sorted_tuple_of_unique_names() -> None:
    assert isinstance(nexgate.__all__, tuple)
    assert len(set(nexgate.__all__)) == len(nexgate.__all__)
    assert list(nexgate.__all__) == sorted(nexgate.__all__)


def test_every_listed_name_resolves() -> None:
    for name in nexgate.__all__:
        assert getattr(nexgate, name) is not None, name


def test_every_public_class_or_function_is_listed() -> None:
    public = {
        name
        for name, value in vars(nexgate).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("nexgate")
    }
    assert public <= set(nexgate.__all__), public - set(nexgate.__all__)


def test_names_promised_by_the_api_document_exist() -> None:
    promised = {
        "translate_request",
        "translate_response",
        "translate_error",
        "StreamTranslator",
        "Client",
        "NexgateError",
        "InvalidInputError",
        "TranslationError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "RateLimitError",
        "QuotaExceededError",
        "OverloadedError",
        "ServerError",
        "APIConnectionError",
        "APITimeoutError",
        "StreamInterruptedError",
        "Loss",
    }
    assert promised <= set(nexgate.__all__), promised - set(nexgate.__all__)


def test_unknown_attribute_raises_attribute_error() -> None:
    try:
        nexgate.DoesNotExist  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "DoesNotExist" in str(exc)
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("expected AttributeError")
