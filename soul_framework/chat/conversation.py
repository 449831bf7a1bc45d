"""The conversation loop of ``soul chat``: read a line, send it, show the reply as it comes.

A reply is followed on the job's event stream: ``token`` events are printed as they arrive and
``done`` ends it. Then the expression the agent chose (``[happy]``) and its mood, the strongest
emotions of ``GET /v1/agents/active``, are shown. A broken stream is opened again (the service
sends the snapshot first, so nothing is missed); problems the user can wait out (a rate limit, a
queue that is down, a failed reply) are told and the loop goes on; a service that cannot be
reached ends the session with exit status 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soul_framework.chat.service import Service, ServiceError, ServiceUnreachable, StreamLost
from soul_framework.chat.terminal import Terminal, mood_line

EXIT_OK = 0
EXIT_FAILURE = 1  # no service at the address, or it refused the sign-in
EXIT_INTERRUPTED = 130  # the shells' convention for a process ended by SIGINT (128 + 2)
STREAM_REOPENS = 3  # a stream that breaks off this many times more is given up on
TERMINAL_STATUSES = frozenset({"succeeded", "failed"})
QUIT_COMMANDS = frozenset({"/quit", "/exit"})
HELP = "Commands: /mood shows the mood again, /quit (or Ctrl-D) leaves, /help shows this."

# What the error codes of a failed reply mean to the person waiting for it.
FAILURES = {
    "llm_unavailable": "the language model could not be reached",
    "llm_timeout": "the language model took too long",
    "llm_invalid_output": "the language model's answer could not be used",
    "timeout": "the reply took longer than the service allows",
    "worker_lost": "the worker writing the reply stopped",
    "storage_unavailable": "the service's store could not be reached",
    "internal_error": "the service failed unexpectedly",
}


def describe(error: ServiceError) -> str:
    """A sentence for an error the service answered with, code included."""
    if error.code == "queue_unavailable":
        return (
            "the service cannot take messages right now: its queue is unavailable "
            "(queue_unavailable). Try again in a moment."
        )
    if error.code == "stream_lost":
        return "lost the reply's event stream; the reply will still be in the conversation."
    if error.status == 429:
        return f"still rate limited ({error.code}); wait a little before the next message."
    return f"the service refused: {error.message} ({error.code}, HTTP {error.status})"


class Chat:
    """One terminal conversation with the service's active agent.

    ``read_line`` reads the user's next line given a prompt (``input``: line editing and
    history through ``readline`` when it is loaded); it raises EOFError at the end of input.
    """

    def __init__(
        self,
        service: Service,
        terminal: Terminal,
        read_line: Callable[[str], str] = input,
        *,
        prompt: str = "you> ",
    ) -> None:
        self.service = service
        self.terminal = terminal
        self.read_line = read_line
        self.prompt = prompt
        self.agent_name = "agent"

    def run(self) -> int:
        """Sign in, greet, converse until the input ends; returns the exit status."""
        try:
            return self._run()
        except ServiceUnreachable as error:
            self.terminal.fatal(
                f"soul chat: {error}. Is the service running? Start one with `soul up`, "
                "or name its address with --url."
            )
            return EXIT_FAILURE
        except KeyboardInterrupt:
            self.terminal.line()
            return EXIT_INTERRUPTED

    def _run(self) -> int:
        try:
            username = self.service.sign_in()
            self.agent_name = self.service.agent_name()
        except ServiceError as error:
            self.terminal.fatal(f"soul chat: could not sign in: {describe(error)}")
            return EXIT_FAILURE
        self._greet(username)
        return self._converse()

    def _greet(self, username: str) -> None:
        terminal = self.terminal
        terminal.line(
            terminal.paint(self.agent_name, "agent")
            + f" at {self.service.base_url}, talking with you as {username}."
        )
        terminal.line(HELP, "note")
        self.show_mood()

    def _converse(self) -> int:
        prompt = self.terminal.prompt(self.prompt)
        while True:
            try:
                line = self.read_line(prompt)
            except EOFError:
                self.terminal.line()
                return EXIT_OK
            text = line.strip()
            if not text:
                continue
            if text in QUIT_COMMANDS:
                return EXIT_OK
            if text == "/mood":
                self.show_mood()
                continue
            if text == "/help":
                self.terminal.line(HELP, "note")
                continue
            try:
                self.send(text)
            except ServiceError as error:
                self.terminal.line(describe(error), "warning")
            except KeyboardInterrupt:
                self.terminal.line()
                self.terminal.line(
                    "stopped waiting; a reply on its way is still kept in the conversation.", "note"
                )

    def send(self, text: str) -> None:
        """Send ``text`` and show the reply, its expression and the mood after it."""
        job_id = self.service.submit(text)
        reply = ReplyView(self.terminal, self.agent_name)
        snapshot = self._follow(job_id, reply)
        if reply.finish(snapshot):
            self.show_mood()

    def _follow(self, job_id: str, reply: ReplyView) -> dict[str, Any]:
        """The job's terminal snapshot, showing tokens as they come."""
        for _ in range(1 + STREAM_REOPENS):
            try:
                for event in self.service.job_events(job_id):
                    if event.name == "token":
                        reply.token(str(event.json().get("delta", "")))
                    elif event.name == "done":
                        return event.json()
            except StreamLost:
                pass
            snapshot = self.service.job(job_id)  # the stream ended early: done already?
            if snapshot.get("status") in TERMINAL_STATUSES:
                return snapshot
        raise ServiceError(502, "stream_lost", "The reply's event stream kept breaking off.")

    def show_mood(self) -> None:
        """Print the mood line (the strongest emotions of the active agent)."""
        try:
            agent = self.service.active_agent()
        except ServiceError as error:
            self.terminal.line(f"mood: unavailable ({error.code})", "mood")
            return
        emotions = (agent.get("emotional_status") or {}).get("emotions") or {}
        self.terminal.line(mood_line(emotions), "mood")


class ReplyView:
    """One reply on the terminal: streamed text first, then whatever ``done`` adds."""

    def __init__(self, terminal: Terminal, agent_name: str) -> None:
        self.terminal = terminal
        self.agent_name = agent_name
        self.streamed: list[str] = []

    def _start(self) -> None:
        self.terminal.write(f"{self.agent_name}: ", "agent")

    def token(self, delta: str) -> None:
        """Show one piece of the reply as it is written."""
        if not delta:
            return
        if not self.streamed:
            self._start()
        self.streamed.append(delta)
        self.terminal.write(delta)

    def finish(self, snapshot: dict[str, Any]) -> bool:
        """Show the end of the reply; True when it succeeded (so the mood is worth showing)."""
        terminal = self.terminal
        streamed = "".join(self.streamed)
        if self.streamed:
            terminal.line()
        if snapshot.get("status") != "succeeded":
            code = str(snapshot.get("error") or "unknown")
            reason = FAILURES.get(code, "the reply failed")
            terminal.line(f"no reply: {reason} ({code}).", "error")
            return False
        result = snapshot.get("result") or {}
        response = result.get("response")
        if not response:
            terminal.line(f"({self.agent_name} chose not to answer.)", "note")
        elif not streamed:  # the model did not stream: the whole reply comes with done
            self._start()
            terminal.line(response)
        elif streamed.strip() != response.strip():  # e.g. a retried answer: the final one holds
            terminal.line("(the reply as it was finally written:)", "note")
            self._start()
            terminal.line(response)
        expression = result.get("expression")
        if expression:
            terminal.line(f"[{expression}]", "expression")
        return True
