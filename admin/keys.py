"""Forum API keys: create (the key and the webhook signing secret are shown once), list with each
forum's webhook, revoke. The secret is stored encrypted and no page shows it again."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, page
from moderation import crypto
from moderation.domain.errors import InvalidInput
from moderation.services import api_keys

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]


class KeyController(Controller):
    path = "/keys"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def index(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        return page(request, "keys.html", keys=api_keys.list_keys(db_session), created=None, error="")

    @post(sync_to_thread=True)
    def create(
        self,
        request: AnyRequest,
        data: Form,
        state: State,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Template:
        webhook_url = field(data, "webhook_url") or None
        error = ""
        created = None
        if webhook_url and not webhook_url.startswith(("https://", "http://")):
            error = "The webhook URL must start with https:// or http://"
        else:
            cipher: crypto.MultiFernet = state.cipher
            try:
                new = api_keys.create_key(
                    db_session,
                    field(data, "forum"),
                    actor=me.username,
                    webhook_url=webhook_url,
                    webhook_secret=field(data, "webhook_secret") or None,
                    cipher=cipher,
                    label=field(data, "label")[:100],
                )
                created = {
                    "forum": new.forum.name,
                    "key": new.plaintext,
                    "secret": new.webhook_secret,
                    "url": webhook_url,
                }
            except InvalidInput as exc:
                db_session.rollback()
                error = str(exc)
        # Rendered, not redirected: the key exists only in this response and is never shown again, so
        # the browser must not keep a copy either.
        response = page(
            request,
            "keys.html",
            422 if error else 201,
            keys=api_keys.list_keys(db_session),
            created=created,
            error=error,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @post("/{prefix:str}/revoke", sync_to_thread=True)
    def revoke(
        self,
        request: AnyRequest,
        prefix: FromPath[str],
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Redirect:
        api_keys.revoke_key(db_session, prefix, actor=me.username)
        flash(request, f"Revoked key {prefix}…; requests with it now get 401.")
        return back("/admin/keys")
