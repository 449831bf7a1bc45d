"""``python -m soul_framework.worker``: the same as ``soul worker``."""

from soul_framework.cli import main

if __name__ == "__main__":
    main(["worker"])
