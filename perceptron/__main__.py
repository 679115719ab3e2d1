"""``python -m perceptron``: the same command line as ``perceptron``."""

from perceptron_main import run

if __name__ == "__main__":
    run()
