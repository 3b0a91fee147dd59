"""Small helpers that build the error messages every public boundary uses.

Every message has the same shape, after Keras' API guidelines: what the argument must be, what was received,
and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """Return ' Did you mean 'x'?' for the closest option, or '' when nothing is close."""
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def unknown_name(arg: str, name: str, options: Iterable[str], fix: str = "") -> ValueError:
    """A ValueError for a name that is not among `options`, with the valid names and a did-you-mean."""
    options = list(options)
    listing = ", ".join(repr(o) for o in options)
    message = f"`{arg}` must be one of {listing}. Received: {arg}={name!r}.{did_you_mean(name, options)}"
    if fix:
        message += f" {fix}"
    return ValueError(message)


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator or a scaler is used before `fit`.

    It subclasses ValueError and AttributeError, as scikit-learn's own does, so code written for scikit-learn
    (`except NotFittedError`, `hasattr` checks) treats ours the same way.
    """
