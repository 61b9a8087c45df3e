"""Moderator and admin accounts: create, change role, disable and enable."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from admin.guards import Staff, requires_admin
from admin.pages import back, field, flash, page
from moderation.domain.errors import Conflict, InvalidInput
from moderation.services import users

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
AnyRequest = Request[Any, Any, Any]


class UserController(Controller):
    path = "/users"
    guards = [requires_admin]

    @get(sync_to_thread=True)
    def index(self, request: AnyRequest, db_session: NamedDependency[Session]) -> Template:
        return page(request, "users.html", users=users.list_users(db_session), error="", values={})

    @post(sync_to_thread=True)
    def create(
        self, request: AnyRequest, data: Form, db_session: NamedDependency[Session], me: NamedDependency[Staff]
    ) -> Template | Redirect:
        try:
            user = users.create_user(
                db_session, field(data, "username"), field(data, "password"), field(data, "role"), actor=me.username
            )
        except (InvalidInput, Conflict) as exc:
            db_session.rollback()
            values = {"username": field(data, "username"), "role": field(data, "role")}
            return page(request, "users.html", 422, users=users.list_users(db_session), error=str(exc), values=values)
        flash(request, f"Created {user.role} {user.username}.")
        return back("/admin/users")

    @post("/{user_id:int}/role", sync_to_thread=True)
    def role(
        self,
        request: AnyRequest,
        user_id: FromPath[int],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Redirect:
        if user_id == me.id:
            raise InvalidInput("you cannot change your own role; ask another admin", field="role")
        user = users.set_role(db_session, user_id, field(data, "role"), actor=me.username)
        flash(request, f"{user.username} is now {user.role}.")
        return back("/admin/users")

    @post("/{user_id:int}/disabled", sync_to_thread=True)
    def disabled(
        self,
        request: AnyRequest,
        user_id: FromPath[int],
        data: Form,
        db_session: NamedDependency[Session],
        me: NamedDependency[Staff],
    ) -> Redirect:
        disable = field(data, "disabled") == "true"
        if user_id == me.id and disable:
            raise InvalidInput("you cannot disable your own account", field="disabled")
        user = users.set_disabled(db_session, user_id, disable, actor=me.username)
        flash(request, f"{user.username} {'disabled: signed out at their next click' if disable else 'enabled'}.")
        return back("/admin/users")
