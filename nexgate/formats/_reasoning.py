"""One reasoning knob, three spellings: OpenAI effort, Claude token budget, Gemini config."""

from __future__ import annotations

from ..schema import Effort

#: Claude ``thinking.budget_tokens`` for each OpenAI ``reasoning_effort``. Claude's minimum
#: budget is 1024 tokens, so ``minimal`` cannot go lower.
EFFORT_TO_BUDGET: dict[Effort, int] = {
    "minimal": 1024,
    "low": 1024,
    "medium": 2048,
    "high": 4096,
    "xhigh": 8192,
    "max": 16384,
}

#: Gemini 3 ``thinkingLevel`` for each effort (Gemini 3 cannot switch thinking fully off).
EFFORT_TO_GEMINI_LEVEL: dict[Effort, str] = {
    "none": "MINIMAL",
    "minimal": "MINIMAL",
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
    "xhigh": "HIGH",
    "max": "HIGH",
}

GEMINI_LEVEL_TO_EFFORT: dict[str, Effort] = {
    "MINIMAL": "minimal",
    "LOW": "low",
    "MEDIUM": "medium",
    "HIGH": "high",
}

CLAUDE_MIN_BUDGET = 1024


def budget_for_effort(effort: Effort) -> int:
    """Token budget for an effort level (``none`` means no thinking: budget 0)."""
    return 0 if effort == "none" else EFFORT_TO_BUDGET[effort]


def effort_for_budget(budget: int) -> Effort:
    """The effort level whose budget is closest from above to ``budget``.

    Negative budgets (Gemini's ``-1``, "let the model decide") map to ``medium``.
    """
    if budget < 0:
        return "medium"
    if budget == 0:
        return "none"
    levels: tuple[Effort, ...] = ("low", "medium", "high", "xhigh")
    for effort in levels:
        if budget <= EFFORT_TO_BUDGET[effort]:
            return effort
    return "max"
