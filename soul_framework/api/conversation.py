"""``/v1/messages/conversation``: the caller's own conversation with the active agent.

Oldest first and bounded: one page holds the ``limit`` latest messages older than the ``before``
cursor (all of them when none is given), and ``next_before`` is the cursor of the page before
it, or null on the first page of the conversation. A client walks back in time by sending
``next_before`` as ``before`` until it is null.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import security_scheme, tag, validate_querystring, validate_response

from soul_framework.api.guard import require_principal
from soul_framework.api.state import app_state
from soul_framework.domain.conversation import Message
from soul_framework.domain.ids import utcnow

blueprint = Blueprint("conversation", __name__, url_prefix="/v1/messages")

LIMIT_DEFAULT = 100
"""Messages per page when the client does not say (the old API's page)."""
LIMIT_MAX = 1000
"""The contract's bound: a page never grows without limit, however long the conversation."""
CURSOR_MAX = 2**53 - 1
"""The largest integer a JavaScript client holds exactly; no cursor we hand out is larger."""


class ConversationQuery(BaseModel):
    limit: int = Field(default=LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    """How many messages, 1..1000."""
    before: int | None = Field(default=None, ge=1, le=CURSOR_MAX)
    """A ``next_before`` from an earlier page: only messages older than it are returned."""


class MessageView(BaseModel):
    id: str
    message: str
    purpose: str
    tone: str
    timestamp: datetime
    sender_id: str
    sender_username: str
    from_agent: bool
    started_by_agent: bool
    """True for a message the agent wrote on its own (outreach), not as a reply."""
    expression: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """The agent's expression as it wrote this; absent on the user's messages."""


class ConversationView(BaseModel):
    id: str
    user_id: str
    agent_name: str
    messages: list[MessageView]
    """Oldest first."""
    next_before: int | None
    """The cursor of the older page (send it as ``before``); null when there is none."""


class ConversationReply(BaseModel):
    conversation: ConversationView


def message_view(message: Message) -> MessageView:
    """``message`` as the contract shows it; ``expression`` only on the agent's own."""
    return MessageView(
        id=message.id,
        message=message.message,
        purpose=message.purpose,
        tone=message.tone,
        timestamp=message.timestamp.astimezone(UTC),
        sender_id=message.sender_id,
        sender_username=message.sender_username,
        from_agent=message.from_agent,
        started_by_agent=message.started_by_agent,
        expression=message.expression if message.from_agent else None,
    )


@blueprint.get("/conversation")
@tag(["messages"])
@security_scheme([{"bearerAuth": []}])
@validate_querystring(ConversationQuery)
@validate_response(ConversationReply)
async def get_conversation(query_args: ConversationQuery) -> ConversationReply:
    """The caller's conversation with the active agent, oldest first, one page at a time."""
    principal = await require_principal()
    runtime = app_state().runtime
    # Only ever the caller's own: the conversation is looked up by their id, never by a
    # client-supplied one. Reading creates it, so a new user gets an id and an empty list.
    conversation = await runtime.store.conversation(
        runtime.agent_id, principal.user_id, at=utcnow()
    )
    # One more than asked tells whether an older page exists without a second query.
    page = await runtime.store.list_messages(
        conversation.id, limit=query_args.limit + 1, before_seq=query_args.before
    )
    older = len(page) > query_args.limit
    if older:
        page = page[1:]
    return ConversationReply(
        conversation=ConversationView(
            id=conversation.id,
            user_id=principal.user_id,
            agent_name=runtime.agent_name,
            messages=[message_view(m) for m in page],
            next_before=page[0].seq if older else None,
        )
    )
