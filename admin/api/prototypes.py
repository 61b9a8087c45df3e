"""The health-harm prototype sentences over JSON: read all lists, replace all lists.

Validation and the audit event live in moderation.services.settings_store. Workers compare the setting's
`updated_at` before each batch and re-embed the prototypes when it moved, so an edit applies without a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.orm import Session

from admin.api.problems import documented
from admin.guards import Staff, requires_admin
from moderation.services import settings_store

Sentences = Annotated[
    list[str],
    msgspec.Meta(
        description=f"1 to {settings_store.MAX_PROTOTYPES} sentences of 1 to "
        f"{settings_store.MAX_PROTOTYPE_CHARS} characters; repeats are dropped"
    ),
]


class HarmPrototypesIn(msgspec.Struct, forbid_unknown_fields=True):
    crisis: Sentences
    dangerous_advice: Sentences
    safe: Annotated[Sentences, msgspec.Meta(description="look alarming but are not (idioms, supportive replies)")]


class HarmPrototypesOut(msgspec.Struct):
    crisis: list[str]
    dangerous_advice: list[str]
    safe: list[str]
    updated_at: datetime | None


class HarmPrototypeController(Controller):
    path = "/harm-prototypes"
    guards = [requires_admin]
    tags = ["admin: health harm"]

    @get(sync_to_thread=True, summary="The prototype sentences per list", responses=documented(401, 403))
    def show(self, db_session: NamedDependency[Session]) -> HarmPrototypesOut:
        return _out(db_session)

    @put(
        sync_to_thread=True,
        summary="Replace the prototype sentences (every list, all or nothing)",
        responses=documented(401, 403, 422),
    )
    def replace(
        self, data: JSONBody[HarmPrototypesIn], db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> HarmPrototypesOut:
        settings_store.set_harm_prototypes(db_session, msgspec.structs.asdict(data), actor=me.username)
        return _out(db_session)


def _out(session: Session) -> HarmPrototypesOut:
    lists = settings_store.harm_prototypes(session)
    return HarmPrototypesOut(**lists, updated_at=settings_store.updated_at(session, settings_store.HARM_PROTOTYPES))
