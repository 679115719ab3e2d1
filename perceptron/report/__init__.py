"""Showing a network: its summary table and one training step explained."""

from .explain import explain_step
from .step_text import format_step
from .summary import summary

__all__ = ["explain_step", "format_step", "summary"]
