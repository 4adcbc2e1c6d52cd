"""API shapes of the notifications app."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="The registered kind, e.g. accounts.membership_approved")
    title: str = Field(..., description="Rendered in the request's language")
    body: str
    url: str = Field(..., description="Where the notification leads: a site path or a full URL; may be empty")
    actor: str | None = Field(None, description="Who caused it, when someone did")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    page: int
    pages: int
    page_size: int
    unread: int = Field(..., description="The user's unread notifications in all (the bell's number)")


class ReadAllOut(Schema):
    marked: int = Field(..., description="How many notifications were marked read")


class KindOut(Schema):
    kind: str
    label: str
    email: bool = Field(..., description="Whether this kind is e-mailed to the user under the current preference")


class EmailPreferenceOut(Schema):
    enabled: bool = Field(..., description="Whether the user gets notifications by e-mail at all")
    muted_kinds: list[str] = Field(..., description="Kinds never e-mailed to the user")
    language: str = Field(..., description="Language of the e-mails: zh-hans or en")
    kinds: list[KindOut] = Field(..., description="Every kind that may be e-mailed")


class EmailPreferenceIn(Schema):
    enabled: bool
    muted_kinds: list[str] = Field(default_factory=list, max_length=200)
    language: str = Field("zh-hans", max_length=10)
