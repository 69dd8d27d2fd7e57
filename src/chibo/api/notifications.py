"""The caller's own notifications: the in-app inbox, newest first, and marking them read."""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictBool, model_validator

from chibo.api.schemas import ERRORS, Id, text
from chibo.notifications import services
from chibo.notifications.models import Kind, Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="deadline_soon, overdue, decision, probation_ending or awaiting.")
    kind_label: str
    title: str
    body: str
    link: str = Field(description="The page of the console it is about (a path).")
    created_at: dt.datetime
    read: bool
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")
    unread: int = Field(description="How many of your notifications are unread (all pages).")


class NotificationFilters(Schema):
    unread: bool | None = Field(None, description="true: only the unread; false: only the read; left out: all.")
    after: text(400) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class MarkRead(Schema):
    """Either ``ids`` (your notifications to mark read) or ``"all": true``."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Id] | None = Field(None, max_length=500, description="Ids of your notifications; others are ignored.")
    all: StrictBool = Field(False, description="Mark every notification of yours read (`true`).")

    @model_validator(mode="after")
    def _one_of(self) -> MarkRead:
        if (self.ids is None) == (not self.all):
            raise ValueError(_("Send either the ids to mark read or \"all\": true."))
        return self


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int


def _render(n: Notification) -> dict[str, Any]:
    return {"id": n.pk, "kind": n.kind, "kind_label": str(Kind(n.kind).label) if n.kind in Kind.values else n.kind,
            "title": n.title, "body": n.body, "link": n.link, "created_at": n.created_at, "read": n.read_at is not None,
            "read_at": n.read_at}


def _encode(created: dt.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([created.isoformat(), pk]).encode()).decode().rstrip("=")


def _decode(token: str | None) -> tuple[dt.datetime, int] | None:
    """(created_at, id) of the last row of the previous page, or None when it is not one of ours."""
    if not token:
        return None
    try:
        created, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        created = dt.datetime.fromisoformat(created)
        created.astimezone(dt.UTC)  # an aware time the database can hold
    except (ValueError, TypeError, OverflowError):
        return None
    if created.tzinfo is None or type(pk) is not int or not 0 <= pk < 2**63:
        return None
    return created, pk


def _after(qs: QuerySet[Notification], cursor: tuple[dt.datetime, int] | None) -> QuerySet[Notification]:
    if cursor is None:
        return qs
    created, pk = cursor
    return qs.filter(created_at__lte=created).filter(Q(created_at__lt=created) | Q(pk__lt=pk))


@router.get("", response={200: NotificationPage, **ERRORS}, summary="Your notifications, newest first")
def notification_list(request, params: Query[NotificationFilters]):
    qs = Notification.objects.filter(user=request.auth)
    if params.unread is not None:
        qs = qs.filter(read_at__isnull=params.unread)
    rows = list(_after(qs, _decode(params.after)).order_by("-created_at", "-id")[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    return {"items": [_render(n) for n in rows], "unread": services.unread_count(request.auth),
            "next": _encode(rows[-1].created_at, rows[-1].pk) if more else None}


@router.post("/read", response={200: MarkedOut, **ERRORS}, summary="Mark notifications read")
def notifications_mark_read(request, payload: MarkRead):
    marked = services.mark_read(request.auth, None if payload.all else payload.ids)
    return {"marked": marked, "unread": services.unread_count(request.auth)}
