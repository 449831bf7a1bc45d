"""A worker's pulse: proof of life that ``/v1/meta/queue`` can check within seconds.

RQ refreshes a worker's registration only between jobs (every 45 s while idle, not at all while
a job runs in the worker process), and keeps it for a minute or more after the last refresh,
so a worker killed without a goodbye used to be listed, and counted, for up to two minutes. A
pulse is a thread of the worker that writes Redis's own clock into the registration every
``PULSE_SECONDS``, whatever the worker is doing; a registration whose pulse is older than
``SILENT_AFTER_SECONDS`` belongs to a worker that is dead (or frozen, or cut off from Redis).
"""

from __future__ import annotations

import contextlib
import threading

import redis

PULSE_SECONDS = 3.0
SILENT_AFTER_SECONDS = 10.0
"""A worker whose last pulse is older than this is taken for dead (three missed pulses), so a
dead worker elsewhere stops being counted within 15 s; one on the API's own machine at once."""
PULSE_FIELD = "soul_pulse"
"""Redis's clock (whole seconds) at the worker's last pulse, in its registration hash."""
HOST_FIELD = "soul_host"
"""Where the worker runs (:func:`soul_framework.processes.host_identity`), registered with its
birth: its pid means something only there."""

# Only a living registration gets a pulse: a pulse must not bring back one that RQ deleted
# or marked dead.
_PULSE = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'death') == 1 then
    return 0
end
redis.call('HSET', KEYS[1], ARGV[1], redis.call('TIME')[1])
return 1
"""


class Pulse:
    """The thread that beats for the registration ``key`` until :meth:`stop`."""

    def __init__(self, connection: redis.Redis, key: str) -> None:
        self._script = connection.register_script(_PULSE)
        self._key = key
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soul-worker-pulse", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(PULSE_SECONDS)

    def beat(self) -> None:
        self._script(keys=[self._key], args=[PULSE_FIELD])

    def _run(self) -> None:
        while True:
            # Redis away: the next beat tries again; the worker deals with the outage itself.
            with contextlib.suppress(redis.RedisError, OSError):
                self.beat()
            if self._stopped.wait(PULSE_SECONDS):
                return


def silent(fields: dict[str, str], redis_now: int) -> bool:
    """Whether a registration (its hash, decoded) has a pulse, and that pulse is too old.

    A registration without one (a worker of another kind) is left to RQ's own expiry.
    """
    pulse = fields.get(PULSE_FIELD)
    if not pulse:
        return False
    try:
        return redis_now - int(pulse) > SILENT_AFTER_SECONDS
    except ValueError:
        return False
