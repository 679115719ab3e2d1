"""Data sets: the articles' synthetic ones and the shipped MNIST digits."""

from .mnist import load_digits
from .synthetic import one_hot, spiral, stratified_split, train_test_split, xor

__all__ = ["load_digits", "one_hot", "spiral", "stratified_split", "train_test_split", "xor"]
