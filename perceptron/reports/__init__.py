"""Showing a network: its summary table, one training step explained, and the HTML report.

``from perceptron.reports import report`` writes the training report of a run
(matplotlib, the ``plot`` extra, draws its pictures).
"""

from .explain import explain_step
from .html import report
from .step_text import format_step
from .summary import summary

__all__ = ["explain_step", "format_step", "report", "summary"]
