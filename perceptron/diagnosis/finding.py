"""A finding of ``diagnose``: what was measured, why it hurts, what to change."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One thing ``diagnose`` noticed.

    ``code`` is one of ``not_finite``, ``label_encoding``, ``unscaled_inputs``,
    ``saturated``, ``dead``, ``vanishing``, ``exploding``, ``lr_too_high``,
    ``chance_level``; ``layer`` the layer it concerns (0 = the first after the
    input) or None; ``severity`` ``"error"`` (training cannot work),
    ``"warning"`` (it will learn badly or slowly) or ``"info"``; ``message``
    says what was measured, why it hurts and what to change.
    """

    code: str
    layer: int | None
    severity: str
    message: str

    def __str__(self) -> str:
        where = f"layer {self.layer}: " if self.layer is not None else ""
        return f"{self.severity}: {self.code}: {where}{self.message}"


def ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then information; within each, by layer."""
    return sorted(
        findings,
        key=lambda f: (SEVERITIES.index(f.severity), -1 if f.layer is None else f.layer),
    )
