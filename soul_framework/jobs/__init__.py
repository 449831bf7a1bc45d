"""Background work on RQ: Redis connections, queues, and the worker process."""
