"""What the objects plugins register must implement.

A registration hook hands over a *factory*: a class or callable with a ``name`` attribute that
the core calls as ``factory(settings)``. The object it returns implements one protocol below.
Methods that do I/O are ``async``; everything else is plain and cheap.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime

    from pydantic import BaseModel

    from soul_framework.config import Settings
    from soul_framework.domain.accounts import Session, User
    from soul_framework.domain.agent import Agent, EmotionalState, EmotionSample
    from soul_framework.domain.conversation import Conversation, Message
    from soul_framework.domain.llm import ChatMessage, Completion, ProviderInfo, Tier
    from soul_framework.domain.memory import Memory, MemoryHit, MemoryScope, Thought
    from soul_framework.domain.personality import BigFive
    from soul_framework.domain.relationship import Relationship


@runtime_checkable
class Factory(Protocol):
    """What every registration hook receives: something named that builds the real object."""

    name: str

    def __call__(self, settings: Settings) -> Any: ...


@runtime_checkable
class EmotionModel(Protocol):
    """A set of emotions with their meaning, and how they move over time and with events.

    Values are intensities on 0..100. ``emotions`` maps each emotion's name to a one-line
    description (shown by the API and used in prompts). Every method is pure and cheap: the
    state is a value, and the store applies what these return atomically.
    """

    name: str
    description: str
    emotions: Mapping[str, str]
    sentiments: Mapping[str, str]
    """Sentiment name to a one-line description: what the agent may feel toward one user
    (0..100 each, fading toward neutral without contact)."""

    def initial_state(
        self, big_five: BigFive, baselines: Mapping[str, float], at: datetime
    ) -> EmotionalState:
        """The state of a new agent: every emotion at its baseline.

        Baselines come from the personality (``big_five``); ``baselines`` holds the persona's
        explicit ones, which win. Unknown names in ``baselines`` raise ``ValueError``.
        """
        ...

    def current(self, state: EmotionalState, now: datetime) -> EmotionalState:
        """The state decayed to ``now`` in closed form (no stored tick; the cost does not
        depend on how long ago ``state.at`` was). ``now`` before ``state.at``: unchanged."""
        ...

    def appraise(
        self,
        state: EmotionalState,
        deltas: Mapping[str, float],
        *,
        confidence: float,
        now: datetime,
        reason: str,
    ) -> EmotionalState:
        """Apply one event's proposed deltas (points, may be negative) at ``now``.

        Decays to ``now`` first; scales by ``confidence`` (0..1) and by mood congruence;
        bounds each delta per event; saturates near 0 and 100 without overshooting; keeps
        floating point. Unknown emotion names are ignored.
        """
        ...

    def render(self, state: EmotionalState) -> str:
        """A compact description of ``state`` for prompts: words and a few numbers."""
        ...

    def drift_pressure(self, state: EmotionalState) -> Mapping[str, float]:
        """How the current feelings push each Big Five factor, on -1..1 (0: no push);
        personality drift turns this into small, bounded trait changes."""
        ...


@runtime_checkable
class PersonalitySchema(Protocol):
    """The traits a persona of this schema has, each a value on 0..100.

    The stored *document* is a plain dict (it lives in ``Agent.personality``): at least
    ``{"traits": {name: value}, "pinned": [names], "description": str}`` plus whatever the
    schema adds (lite: ``"myers-briggs"``).
    """

    name: str
    description: str
    traits: Mapping[str, str]
    """Trait name to a one-line description."""

    def document(
        self,
        traits: Mapping[str, float],
        *,
        preset: str | None,
        pinned: Sequence[str],
        description: str,
    ) -> dict[str, Any]:
        """Build a validated document from a persona's values.

        ``preset`` names a starting point the schema knows (lite: a Myers-Briggs type); the
        given ``traits`` override it; traits neither gives stay at 50. Raises ``ValueError``
        for unknown traits or presets and for values outside 0..100.
        """
        ...

    def big_five(self, document: Mapping[str, Any]) -> BigFive:
        """The document's traits translated to the Big Five."""
        ...

    def api_view(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The ``personality`` object of ``GET /v1/agents/active``."""
        ...

    def traits_from_big_five(self, change: Mapping[str, float]) -> dict[str, float]:
        """Spread a change of the Big Five factors (points) over this schema's traits, the
        inverse direction of :meth:`big_five`; personality drift uses it."""
        ...


@runtime_checkable
class LLMProvider(Protocol):
    """Chat completions (plain, structured, streamed) and, where offered, embeddings."""

    name: str

    def describe(self) -> ProviderInfo:
        """What ``/v1/meta/llm`` shows. Must not do I/O and must never include a key."""
        ...

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        tier: Tier,
        output_model: type[BaseModel] | None,
        on_delta: Callable[[str], Awaitable[None]] | None,
        timeout_seconds: float,
    ) -> Completion:
        """Run one completion.

        With ``output_model`` the answer is validated against it and ``Completion.output`` is
        an instance of it; otherwise it is the text. ``on_delta`` receives text as it streams.
        Raises :class:`soul_framework.errors.LLMError` subclasses on failure.
        """
        ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text; raises :class:`soul_framework.errors.EmbeddingsUnsupported`
        when the backend has no embeddings, so callers fall back to lexical relevance."""
        ...

    async def aclose(self) -> None:
        """Release the provider's connections (called once at process shutdown)."""
        ...


@runtime_checkable
class Store(Protocol):
    """All persistence: accounts, sessions, agents, relationships, conversations, memories.

    The API process keeps one instance for all its requests; a job opens one of its own (its
    event loop lives as long as the job) and closes it at the end. Every method raises
    :class:`soul_framework.errors.StorageUnavailable` when the backend cannot be reached, and
    works again once it is back, without a restart. Times are timezone-aware UTC; the caller
    passes "now" in, so stores never read the clock for domain data.

    Read-modify-write operations take a *change* function (``update_agent``,
    ``update_relationship``): it receives the stored value and returns the new one. It must be
    pure, because a backend may call it more than once (optimistic concurrency retries it when
    another writer got there first); the store guarantees that no concurrent change is lost.
    The contract suite in ``soul_framework.testing`` checks all of this for any backend.
    """

    name: str

    async def open(self) -> None:
        """Connect and prepare (migrations, indexes). Idempotent."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the backend answers now."""
        ...

    # --- accounts and sessions ----------------------------------------------------------------

    async def create_user(self, user: User) -> None:
        """Store a new account; ``EmailInUse`` / ``UsernameInUse`` when either is taken."""
        ...

    async def get_user(self, user_id: str) -> User | None: ...

    async def find_user_by_email(self, email: str) -> User | None:
        """Case-insensitive."""
        ...

    async def find_user_by_username(self, username: str) -> User | None:
        """Case-insensitive."""
        ...

    async def claim_user(
        self, user_id: str, *, email: str, username: str, password_hash: str, at: datetime
    ) -> User:
        """Turn a guest into a password account in place, atomically.

        Raises ``AlreadyClaimed`` when the account has an email already, ``EmailInUse`` /
        ``UsernameInUse`` when another account holds either, ``NotFound`` when there is no such
        account.
        """
        ...

    async def create_session(self, session: Session) -> None: ...

    async def get_session(self, session_id: str) -> Session | None: ...

    async def rotate_session(
        self, session_id: str, refresh_hash: str, successor: Session, at: datetime
    ) -> bool:
        """Revoke an active session whose hash matches and store its successor, atomically.

        Returns False (and stores nothing) when the session is unknown, already revoked,
        expired or the hash differs: of two concurrent rotations exactly one succeeds.
        """
        ...

    async def revoke_session(self, session_id: str, at: datetime) -> bool:
        """Revoke one session; False when it was unknown or revoked already."""
        ...

    async def revoke_user_sessions(self, user_id: str, at: datetime) -> list[str]:
        """Revoke every active session of a user; returns the ids this call revoked."""
        ...

    # --- agents -------------------------------------------------------------------------------

    async def ensure_agent(self, agent: Agent) -> Agent:
        """Store the agent if no agent has its id yet (with the first sample of its emotion
        history); return the stored one either way."""
        ...

    async def get_agent(self, agent_id: str) -> Agent | None: ...

    async def list_agents(self) -> list[Agent]: ...

    async def update_agent(self, agent_id: str, change: Callable[[Agent], Agent]) -> Agent:
        """Apply ``change`` atomically; the result has ``version`` one higher.

        When the emotion values change, a sample is added to the emotion history. Raises
        ``NotFound`` when there is no such agent.
        """
        ...

    async def emotion_history(
        self, agent_id: str, *, since: datetime | None, limit: int
    ) -> list[EmotionSample]:
        """Samples oldest first: the ``limit`` most recent ones at or after ``since``."""
        ...

    # --- relationships ------------------------------------------------------------------------

    async def get_relationship(self, agent_id: str, user_id: str) -> Relationship | None: ...

    async def update_relationship(
        self,
        agent_id: str,
        user_id: str,
        change: Callable[[Relationship], Relationship],
        *,
        at: datetime,
    ) -> Relationship:
        """Apply ``change`` atomically, starting from a new relationship (created ``at``) when
        there is none; there is never more than one per agent and user."""
        ...

    async def recent_relationships(
        self, agent_id: str, *, since: datetime, limit: int
    ) -> list[Relationship]:
        """Relationships with contact at or after ``since``, most recent contact first."""
        ...

    # --- conversations ------------------------------------------------------------------------

    async def conversation(self, agent_id: str, user_id: str, *, at: datetime) -> Conversation:
        """The one conversation of this agent and user, created ``at`` when missing."""
        ...

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation of this id, if there is one (whose it is never changes)."""
        ...

    async def append_message(self, message: Message) -> Message:
        """Add a message; returns it with its ``seq`` (one more than the conversation's last)."""
        ...

    async def list_messages(
        self, conversation_id: str, *, limit: int, before_seq: int | None
    ) -> list[Message]:
        """A page, oldest first: the ``limit`` latest messages with ``seq < before_seq``."""
        ...

    async def annotate_message(
        self, message_id: str, *, conversation_id: str, purpose: str, tone: str
    ) -> bool:
        """Record how the agent read a stored message of ``conversation_id`` (its purpose and
        tone); False when that conversation has no such message. Nothing else changes."""
        ...

    async def last_agent_initiated(self, conversation_id: str) -> datetime | None:
        """When the agent last wrote to this user on its own (outreach), if ever."""
        ...

    # --- memories and thoughts ----------------------------------------------------------------

    async def add_memory(self, memory: Memory) -> None: ...

    async def search_memories(
        self, agent_id: str, scope: MemoryScope, query: str, *, limit: int
    ) -> list[MemoryHit]:
        """Memories in scope whose text matches ``query``, best first (lexical relevance)."""
        ...

    async def recent_memories(
        self, agent_id: str, scope: MemoryScope, *, limit: int
    ) -> list[Memory]:
        """Memories in scope, most recently accessed first."""
        ...

    async def mark_recalled(self, memory_ids: Sequence[str], at: datetime) -> None:
        """Add one to each memory's recall count and set its last access, atomically."""
        ...

    async def importance_since(
        self, agent_id: str, scope: MemoryScope, since: datetime, *, max_level: int
    ) -> int:
        """Summed importance of memories in scope created at or after ``since`` with
        ``level <= max_level`` (the trigger for distilling higher-level memories)."""
        ...

    async def memory_tags(self, agent_id: str, scope: MemoryScope, *, limit: int) -> list[str]:
        """The most used tags in scope, most used first."""
        ...

    async def add_thought(self, thought: Thought) -> None: ...

    async def latest_thought(self, agent_id: str) -> Thought | None: ...

    # --- retention ----------------------------------------------------------------------------

    async def prune(self, now: datetime) -> dict[str, int]:
        """Delete what has outlived its retention (expired sessions, old emotion samples and
        messages per the settings); returns how many of each kind went."""
        ...


@runtime_checkable
class ScheduledTask(Protocol):
    """Work that runs every ``interval_seconds``, exactly once per interval in the cluster."""

    name: str
    interval_seconds: float

    async def run(self, runtime: Any) -> None:
        """Do one interval's work. ``runtime`` gives the selected store and provider."""
        ...


@runtime_checkable
class PromptSection(Protocol):
    """A block of text the core may place in a prompt.

    ``priority`` orders sections when the token budget is short: higher stays, lower is
    dropped first.
    """

    name: str
    priority: int

    async def render(self, context: Mapping[str, Any]) -> str | None:
        """Return the section's text for this prompt, or None to leave it out."""
        ...


@runtime_checkable
class LocalService(Protocol):
    """A process ``soul up`` runs for a plugin (registered by ``register_local_services``)."""

    name: str

    def prepare(self, say: Callable[[str], None]) -> None:
        """Do the slow set-up (build, download) before the first start; report progress."""
        ...

    def command(self) -> list[str]:
        """The command line that starts the service."""
        ...

    def environment(self) -> dict[str, str]:
        """Variables the API and workers need to use it (e.g. its URL)."""
        ...

    def own_environment(self) -> dict[str, str]:
        """Variables added to the service's own process environment."""
        ...

    def ready_url(self) -> str | None:
        """Polled after start until it answers 200; None to not wait."""
        ...
