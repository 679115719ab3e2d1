"""A learner's backprop for the column convention: one sample a column, Nielsen's shapes."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


def backprop(weights, biases, x, y):
    """Gradients of C = ½‖a − y‖² for a sigmoid network: (dC_dweights, dC_dbias)."""
    activations, zs = [x], []
    for W, b in zip(weights, biases):
        zs.append(W @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    dC_dweights = [None] * len(weights)
    dC_dbias = [None] * len(weights)
    delta = (activations[-1] - y) * sigmoid_prime(zs[-1])
    for l in range(len(weights) - 1, -1, -1):
        if l < len(weights) - 1:
            delta = (weights[l + 1].T @ delta) * sigmoid_prime(zs[l])
        a_prev = activations[l]
        dC_dweights[l] = delta @ a_prev.T
        dC_dbias[l] = delta.sum(axis=1, keepdims=True)
    return dC_dweights, dC_dbias
