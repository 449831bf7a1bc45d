"""Settings, read once at start from the environment and a ``.env`` file.

The names of Synthetic Soul API 1.1 keep their meaning, so an old ``.env`` works unchanged; the
framework's own additions are ``STORAGE_BACKEND``, ``PERSONALITY``, ``LLM_PROVIDER`` and the
``SOUL_*`` family. Development mode is only ever asked for (``APP_ENV=development``); anything
else is production, where unsafe secrets stop the service from starting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from soul_framework.errors import ConfigError
from soul_framework.masking import mask_credentials

mask_uri_credentials = mask_credentials
"""The name the worker imports for :func:`soul_framework.masking.mask_credentials`."""

DEVELOPMENT_ENVS = frozenset({"development", "dev", "local"})
"""``APP_ENV`` values that mean development; every other value (or none) means production."""

MIN_JWT_SECRET_LENGTH = 32
MIN_PEPPER_LENGTH = 16

_PLACEHOLDER_WORDS = ("changeme", "change_me", "change-me", "replace", "placeholder", "your")
_PLACEHOLDERS = frozenset({"secret", "password", "test", "dev", "development", "example", "x"})


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _PLACEHOLDERS or any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    # "aaaaaaaa..." or "1234123412341234" pass a length check but are not secrets.
    return len(set(lowered)) < 8


def _secret_hint(variable: str, minimum: int) -> str:
    return (
        f"{variable} must be a random secret of at least {minimum} characters outside "
        f"development (APP_ENV=development). Generate one with: "
        f'python -c "import secrets; print(secrets.token_urlsafe(48))"'
    )


class Settings(BaseSettings):
    """Every setting of the service. Field names are the variable names, lower-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # --- the old API's names ----------------------------------------------------------------
    app_env: str = "production"
    bot_name: str | None = None
    mode: Literal["lite", "rich"] = "lite"
    llm_mode: Literal["hosted", "local"] | None = None
    """``hosted`` (OpenAI) or ``local`` (Ollama); unset: hosted when OPENAI_API_KEY is set."""
    mongo_mode: Literal["local", "hosted"] = "local"
    mongo_connection_local: str | None = None
    mongo_connection_hosted: str | None = None
    mongo_connection: str | None = None
    database_name: str = "synthetic_soul"
    redis_url: str | None = None
    redis_tls_url: str | None = None
    redis_ca_cert: str | None = None
    redis_tls_insecure_skip_verify: bool = False
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    gpt_fast_model: str = "gpt-4o-mini"
    gpt_quality_model: str = "gpt-4o"
    ollama_base_url: str = "http://127.0.0.1:11434/v1"
    ollama_api_key: SecretStr | None = None
    ollama_fast_model: str = "llama3.2:3b"
    ollama_quality_model: str = "llama3.1:8b"
    openai_embedding_model: str = "text-embedding-3-small"
    ollama_embedding_model: str | None = None
    """Unset: the local provider offers no embeddings and memory relevance is lexical."""
    jwt_secret_env: SecretStr | None = None
    argon2_pepper_env: SecretStr | None = None
    web_ui_domain: str | None = None
    debug_mode: bool = False
    developer_email: str | None = None
    access_ttl_min: int = Field(default=15, ge=1, le=24 * 60)
    refresh_ttl_days: int = Field(default=30, ge=1, le=365)
    thinking_rate_seconds: float = Field(default=900, gt=0)
    emotional_decay_rate_seconds: float = Field(default=1800, gt=0)
    """Half-life, in seconds, of an emotion's distance from its baseline."""
    rq_use_fork_worker: bool = False
    """Fork a work-horse per job (RQ's ``Worker``) instead of running jobs in the worker process
    (RQ's ``SimpleWorker``, the default on every platform). In-process jobs share one event
    loop, store and set of clients for the life of the worker; a forked job starts a process
    and sets all of those up afresh, which costs each message several times the framework's
    in-process overhead (README, Benchmarks). What forking buys is isolation: a crash that
    kills the process takes an in-process worker down with its job, which is then failed as
    ``worker_lost`` by the sweeper while ``soul up`` (or any process manager) starts the worker
    again. Forking needs a platform where ``fork`` is safe (Linux)."""

    # --- the framework's own ------------------------------------------------------------------
    storage_backend: str | None = None
    """Store plugin name (``sqlite``, ``mongo``); unset: mongo if a MONGO_CONNECTION* is set."""
    personality: str = "jasmine"
    """A bundled persona's name, or a path to a persona file or Character Card."""
    llm_provider: str | None = None
    """Provider plugin name; overrides what LLM_MODE implies."""
    trusted_proxies: str = ""
    """Comma-separated proxy addresses whose X-Forwarded-For is believed."""
    soul_data_dir: Path = Path(".soul")
    """Where the embedded store, embedded Redis and generated development secrets live."""
    soul_plugins: str = ""
    """Comma-separated allow-list of plugin (entry-point) names; empty: all installed."""
    soul_disable_plugins: str = ""
    """Comma-separated plugin names never to load."""
    soul_strict_plugins: bool = False
    """Stop at start-up when a plugin fails to load instead of skipping it."""
    soul_emotion_model: str | None = None
    """Emotion model plugin name; overrides what MODE implies."""
    soul_personality_schema: str | None = None
    """Personality schema plugin name; overrides what MODE implies."""
    soul_trace_hooks: bool = False
    """Log every hook call with its arguments' names and its duration."""
    soul_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    """Largest request body accepted; larger ones get 413."""
    soul_log_level: str = "INFO"
    soul_local_model: Literal["auto", "on", "off"] = "auto"
    """``soul up`` runs a small local model when no LLM is configured (auto), always, or never."""
    soul_llm_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    soul_llm_timeout_seconds: float = Field(default=60.0, gt=0)
    """Longest a single completion may take, retries included."""
    soul_llm_max_retries: int = Field(default=3, ge=0, le=10)
    """Retries after a 429, a 5xx or a connection error (with backoff, honouring Retry-After)."""
    soul_llm_max_tokens: int = Field(default=800, ge=16)
    soul_outreach_enabled: bool = True
    """Let the agent write to users on its own after thinking (see the next three)."""
    soul_outreach_min_hours: float = Field(default=12.0, ge=0)
    """At most one message the agent starts per user in this many hours."""
    soul_outreach_max_silence_days: float = Field(default=7.0, gt=0)
    """Never write on its own to a user silent for longer than this."""
    soul_outreach_max_users: int = Field(default=3, ge=0, le=100)
    """Most users one thinking pass may write to (one LLM call per candidate)."""
    soul_memories_in_prompt: int = Field(default=5, ge=0, le=50)
    """How many of the best-scored memories a reply's prompt recalls."""
    soul_prompt_budget_tokens: int = Field(default=3000, ge=200)
    """Most tokens (estimated) of a reply's prompt: sections of low priority, then the oldest
    turns of the conversation, are left out beyond it. The bundled local model lowers it."""
    soul_job_timeout_seconds: float = Field(default=120.0, gt=0)
    """Longest a message job may run before it ends ``failed`` / ``timeout``."""
    soul_redis_max_connections: int = Field(default=512, ge=8)
    """Redis connections one API process may hold at once (requests wait beyond that)."""
    soul_sse_keepalive_seconds: float = Field(default=15.0, gt=0, le=60)
    """Seconds between ``: keep-alive`` comments on quiet event streams."""
    soul_job_result_ttl_seconds: int = Field(default=86400, ge=60)
    """How long a finished job's result can be polled (then 404)."""
    soul_rate_limit_guest: str = "30/hour"
    """Guest accounts one client address may create (each is cheap, but not free)."""
    soul_rate_limit_login_ip: str = "20/minute"
    soul_rate_limit_login_account: str = "10/minute"
    soul_rate_limit_claim: str = "10/minute"
    soul_rate_limit_submit: str = "60/minute"
    soul_rate_limit_poll: str = "120/minute"
    soul_rate_limit_events: str = "60/minute"
    """Job event streams (``/v1/jobs/{id}/events``) one user may open."""
    soul_max_streams_per_user: int = Field(default=10, ge=1, le=1000)
    """Event streams (job events and the message stream together) one user may hold open at
    once, across every API process; beyond it, 429."""
    soul_stream_check_seconds: float = Field(default=10.0, gt=0, le=300)
    """How often an open event stream checks its session (a revocation also reaches it at once
    through Redis) and renews its place under SOUL_MAX_STREAMS_PER_USER; a crashed process's
    places are free again after three of these."""
    soul_session_cache_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How long Redis may answer "this session is live" before the store is asked again."""
    soul_refresh_grace_seconds: float = Field(default=30.0, ge=0, le=600)
    """How long after a refresh token's rotation presenting it again returns the same successor
    instead of revoking every session of the user (two parts of a page refreshing at once);
    0 turns the grace off."""
    soul_emotion_history_days: float = Field(default=30, gt=0)
    """How long emotion samples are kept for charts."""
    soul_emotion_max_delta: float = Field(default=25.0, gt=0, le=100)
    """Largest change, in points of 0..100, one event may make to one emotion (after confidence
    and mood congruence), so no single message flips the agent's feelings: a quarter of the
    scale takes an emotion from calm to clearly felt in one step, not to its extreme."""
    soul_mood_congruence: float = Field(default=0.5, ge=0, le=1)
    """How strongly the current mood colours perception, 0..1: a change that agrees with the
    mood's valence is multiplied by up to ``1 + strength``, one against it by down to
    ``1 - strength`` (0 turns the effect off; at 0.5 a thoroughly sad agent takes good news at
    half weight and bad news at one and a half)."""
    soul_mood_half_life_seconds: float = Field(default=6 * 3600, gt=0)
    """Half-life, in seconds, of the mood's distance from the personality's default mood (rich
    model). Six hours is twelve times EMOTIONAL_DECAY_RATE_SECONDS' default: ALMA lets emotions
    fade in about 20 s and mood in about 20 min (60 times slower), clocks built for a scene; a
    companion's mood should outlast a conversation and mostly settle overnight."""
    soul_mood_max_shift: float = Field(default=0.1, gt=0, le=2)
    """Largest distance, in PAD units (each axis spans -1..1), one event moves the mood (rich
    model); with 0.1 it takes several strongly felt events to carry a neutral mood into an
    octant clearly."""
    soul_retention_interval_seconds: float = Field(default=3600.0, ge=60)
    """How often what has outlived its retention is deleted (once per interval per cluster)."""
    soul_message_retention_days: float = Field(default=365, ge=0)
    """How long conversation messages are kept; 0 keeps them forever."""
    soul_drift_rate: float = Field(default=0.5, ge=0, le=10)
    """Points a Big Five factor is pushed by one event at full emotional pressure (before
    the per-event and per-day caps); 0 turns personality drift off."""
    soul_drift_max_per_event: float = Field(default=0.5, ge=0, le=100)
    """Most points one event moves a trait: no single message reshapes a personality."""
    soul_drift_max_per_day: float = Field(default=2.0, ge=0, le=100)
    """Most points a trait moves per UTC day (summed both ways): adult personality is stable
    (Roberts & DelVecchio 2000), so a sustained push takes a week to move a trait 15 points."""
    soul_sentiment_half_life_days: float = Field(default=14.0, gt=0)
    """Half-life, in days, of a sentiment's distance from neutral without contact (what the
    agent feels toward a user: trust, affection, irritation, ...). Two weeks of silence halve
    it, two months leave a sixteenth: friendships fade within months when contact drops (Roberts &
    Dunbar 2011: over 18 months emotional closeness fell for friends seen less, not for kin),
    and a user who comes back after a season is met almost afresh, though the relationship
    itself (friend, ...) stays."""
    soul_sentiment_max_delta: float = Field(default=15.0, gt=0, le=100)
    """Most points one conversation moves one sentiment toward a user. Lower than
    SOUL_EMOTION_MAX_DELTA (25) because a sentiment is a lasting attitude, not a reaction:
    one remarkable conversation shows, but it takes several to build (or wreck) strong trust."""
    soul_relationship_summary_max_chars: int = Field(default=600, ge=40, le=4000)
    """Longest summary the agent keeps of one user (its own view of them), in characters:
    about a hundred words, enough for who they are and what matters to them, small enough
    to go in every prompt for that user."""
    soul_scheduled_task_timeout_seconds: float = Field(default=600.0, gt=0)
    """Longest one run of a scheduled task may take, in seconds; a run is also cut at its own
    task's interval (by then the next run is due). Ten minutes leave room for several LLM
    calls (each bounded by SOUL_LLM_TIMEOUT_SECONDS, 60 by default) in a task that runs
    hourly or daily, while a hung run still frees its worker well before the next."""
    soul_memory_weight_recency: float = Field(default=0.5, ge=0)
    """Weight of recency in a memory's retrieval score (each component is 0..1 before weighting).
    The defaults 0.5/2/3 (recency/importance/relevance) are those of the Generative Agents code
    (Park et al. 2023; the paper's text uses 1/1/1): the conversation already puts the latest
    messages in the prompt, so memories should bring what is relevant, not again what is recent."""
    soul_memory_weight_importance: float = Field(default=2.0, ge=0)
    """Weight of importance (1..10, normalised) in a memory's retrieval score."""
    soul_memory_weight_relevance: float = Field(default=3.0, ge=0)
    """Weight of relevance to the query (embeddings' cosine similarity, else lexical) in a
    memory's retrieval score."""
    soul_memory_recency_decay_per_hour: float = Field(default=0.995, gt=0, le=1)
    """Factor recency is multiplied by per hour since a memory was last recalled (Park et al.
    2023): 0.995 halves it in about 138 hours, nearly six days; 1 turns decay off."""
    soul_memory_candidates: int = Field(default=50, ge=1, le=1000)
    """How many memories the store's text search and its most recently recalled list each offer
    to scoring; the best of both, de-duplicated, are ranked."""
    soul_memory_reflection_threshold: int = Field(default=150, ge=1)
    """Summed importance (1..10 each) of new observed memories that triggers distilling
    higher-level ones (Park et al. 2023 use 150: two or three reflections a simulated day)."""

    @field_validator(
        "soul_rate_limit_guest",
        "soul_rate_limit_login_ip",
        "soul_rate_limit_login_account",
        "soul_rate_limit_claim",
        "soul_rate_limit_submit",
        "soul_rate_limit_poll",
        "soul_rate_limit_events",
    )
    @classmethod
    def _valid_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("app_env")
    @classmethod
    def _normalise_env(cls, value: str) -> str:
        return value.strip().lower() or "production"

    @field_validator("web_ui_domain")
    @classmethod
    def _origins_only(cls, value: str | None) -> str | None:
        # CORS here allows credentials: "*" or "null" would hand a signed-in user's session to
        # any site (or any sandboxed page), so only exact origins are accepted.
        for origin in _split(value or ""):
            if not _is_origin(origin):
                raise ValueError(
                    f"{origin!r} is not an origin such as https://ui.example.org "
                    "(scheme and host, no path; '*' and 'null' are never allowed)"
                )
        return value

    # --- derived ------------------------------------------------------------------------------

    @property
    def is_development(self) -> bool:
        return self.app_env in DEVELOPMENT_ENVS

    @property
    def allowed_plugins(self) -> frozenset[str]:
        return _split(self.soul_plugins)

    @property
    def disabled_plugins(self) -> frozenset[str]:
        return _split(self.soul_disable_plugins)

    @property
    def emotion_model_name(self) -> str:
        return self.soul_emotion_model or self.mode

    @property
    def personality_schema_name(self) -> str:
        return self.soul_personality_schema or self.mode

    @property
    def effective_llm_mode(self) -> Literal["hosted", "local"]:
        if self.llm_mode is not None:
            return self.llm_mode
        return "hosted" if self.openai_api_key else "local"

    @property
    def llm_provider_name(self) -> str:
        if self.llm_provider:
            return self.llm_provider
        return "openai" if self.effective_llm_mode == "hosted" else "ollama"

    @property
    def mongo_uri(self) -> str | None:
        """The MongoDB URI that MONGO_MODE picks, falling back to the legacy variable."""
        chosen = (
            self.mongo_connection_hosted
            if self.mongo_mode == "hosted"
            else self.mongo_connection_local
        )
        return chosen or self.mongo_connection

    @property
    def store_name(self) -> str:
        if self.storage_backend:
            return self.storage_backend
        configured = self.mongo_connection_local or self.mongo_connection_hosted
        return "mongo" if configured or self.mongo_connection else "sqlite"

    @property
    def cors_origins(self) -> frozenset[str]:
        origins = set(_split(self.web_ui_domain or ""))
        if self.is_development:
            origins.add("http://localhost:5173")
        return frozenset(o.rstrip("/") for o in origins)

    @property
    def use_fork_worker(self) -> bool:
        return self.rq_use_fork_worker

    def check_secrets(self) -> None:
        """Refuse to serve with missing, short or placeholder secrets outside development."""
        if self.is_development:
            return
        problems = []
        for variable, secret, minimum in (
            ("JWT_SECRET_ENV", self.jwt_secret_env, MIN_JWT_SECRET_LENGTH),
            ("ARGON2_PEPPER_ENV", self.argon2_pepper_env, MIN_PEPPER_LENGTH),
        ):
            value = secret.get_secret_value() if secret else ""
            if len(value) < minimum or _looks_like_placeholder(value):
                problems.append(_secret_hint(variable, minimum))
        jwt, pepper = self.jwt_secret_env, self.argon2_pepper_env
        if jwt and pepper and jwt.get_secret_value() == pepper.get_secret_value():
            problems.append(
                "JWT_SECRET_ENV and ARGON2_PEPPER_ENV must be two different secrets (one "
                "value would both sign access tokens and key every password hash). Generate "
                'a new one for either with: python -c "import secrets; '
                'print(secrets.token_urlsafe(48))"'
            )
        if problems:
            raise ConfigError(" ".join(problems))

    def masked(self) -> dict[str, str]:
        """Every effective setting as text, secrets and credentials in URIs masked."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = "********" if value.get_secret_value() else ""
            elif value is None:
                text = ""
            else:
                text = mask_credentials(str(value))
            shown[name.upper()] = text
        return shown


RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(text: str) -> tuple[int, int]:
    """``"60/minute"`` -> ``(60, 60)``: how many requests, per how many seconds."""
    count, _, period = text.strip().partition("/")
    period = period.strip().lower().rstrip("s")
    if not count.strip().isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        raise ValueError(f"{text!r} is not a rate like '60/minute' (second, minute, hour, day)")
    return int(count), RATE_PERIODS[period]


def _split(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _is_origin(text: str) -> bool:
    """``http(s)://host[:port]`` (a trailing "/" tolerated), as a browser sends in ``Origin``."""
    try:
        parts = urlsplit(text.rstrip("/"))
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and "*" not in parts.netloc
        and "@" not in parts.netloc
        and port_ok
        and not (parts.path or parts.query or parts.fragment)
    )


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a malformed value becomes a :class:`ConfigError` naming it."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        ]
        raise ConfigError("Invalid configuration: " + "; ".join(lines)) from exc
