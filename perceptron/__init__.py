"""perceptron: a feedforward, fully-connected network, one column sample at a time.

The state is in two mutable dataclasses, :class:`Network` and :class:`Layer`;
training is four free functions, :func:`feedforward`, :func:`backpropagate`,
:func:`update` and :func:`sgd`, as in the Julia article it ports.
"""

from .activations import Activation, identity, relu, sigmoid, softmax, tanh
from .backprop_check import check_backprop
from .costs import Cost, cross_entropy, mse, quadratic
from .datasets import load_digits, one_hot, spiral, stratified_split, train_test_split, xor
from .diagnosis import diagnose
from .epochs import History
from .errors import TrainingDiverged
from .gradcheck import gradient_check
from .initializers import Initializer, glorot_normal, he_normal, standard_normal, zeros
from .interop import from_torch, to_torch
from .io.checkpoint import CheckpointMismatchError, CheckpointWriteError
from .io.csvfile import CSVError, read_csv
from .io.idx import IDXError
from .io.model import load, load_with_meta, save
from .io.npz import ModelFileError
from .labels import classify
from .metrics import accuracy, predict, regression_scores
from .optimizers import SGD, Adam, Optimizer
from .reports.summary import summary
from .structs import Layer, Network, add_layer, network
from .training import backpropagate, feedforward, fit, sgd, update
from .version import __version__

__all__ = [
    "__version__",
    "Activation",
    "Adam",
    "CSVError",
    "CheckpointMismatchError",
    "CheckpointWriteError",
    "Cost",
    "History",
    "IDXError",
    "Initializer",
    "Layer",
    "ModelFileError",
    "Network",
    "Optimizer",
    "SGD",
    "TrainingDiverged",
    "accuracy",
    "add_layer",
    "classify",
    "backpropagate",
    "check_backprop",
    "cross_entropy",
    "diagnose",
    "feedforward",
    "fit",
    "from_torch",
    "glorot_normal",
    "gradient_check",
    "he_normal",
    "identity",
    "load",
    "load_digits",
    "load_with_meta",
    "mse",
    "network",
    "one_hot",
    "predict",
    "read_csv",
    "regression_scores",
    "quadratic",
    "relu",
    "save",
    "sgd",
    "sigmoid",
    "softmax",
    "spiral",
    "standard_normal",
    "stratified_split",
    "summary",
    "tanh",
    "to_torch",
    "train_test_split",
    "update",
    "xor",
    "zeros",
]
