"""Jinja filters for the admin templates: ages, times and scores in the form moderators read them."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.plugins.jinja import JinjaTemplateEngine


def register(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters.update({"age": age, "when": when, "score": score})
    engine.engine.globals["now"] = lambda: datetime.now(UTC)


def age(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "—"
    seconds = max(int(((now or datetime.now(UTC)) - moment).total_seconds()), 0)
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
