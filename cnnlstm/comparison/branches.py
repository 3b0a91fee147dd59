"""What a `parallel` contender learned about its branches, for the report."""

from __future__ import annotations


def branch_extras(estimator) -> dict:
    """{"merge", "weights"} for merge="weighted"; plus "attention" (one row per sample of the last forward pass:
    each branch's share) for merge="attention"; {} for every other model."""
    backbone = estimator.net_.backbone
    if getattr(backbone, "merge", None) not in ("weighted", "attention"):
        return {}
    extras = {"merge": backbone.merge, "weights": backbone.branch_weights()}
    if backbone.merge == "attention":
        extras["attention"] = backbone.last_attention.float().cpu().numpy().round(4).tolist()
    return extras
