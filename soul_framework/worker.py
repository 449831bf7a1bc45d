"""``python -m soul_framework.worker [OPTIONS]``: the same as ``soul worker [OPTIONS]``."""

import sys

from soul_framework.cli import main

if __name__ == "__main__":
    main(["worker", *sys.argv[1:]])
