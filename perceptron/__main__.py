"""``python -m perceptron``: the same command line as ``perceptron``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
