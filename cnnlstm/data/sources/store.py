"""Where data files are kept: the cache folder, the order folders are searched in, and verified downloads.

A file is looked for, by its relative path (``ETT/ETTh1.csv``, ``UCR/GunPoint/GunPoint_TRAIN.ts``), in:

1. the ``data_dir=`` argument;
2. ``$CNNLSTM_DATA_DIR``;
3. the cache, ``$CNNLSTM_CACHE`` or ``~/.cache/cnnlstm``.

All three share one layout, that of the project's offline mirror, so a download saved in the cache under its
relative path makes the cache a valid data folder. A download is checked against its pinned checksums before
anything is written, and written with `cnnlstm.checkpoint.atomic_write_bytes` (a temporary file beside the target,
then ``os.replace``), so an interrupted or corrupted download never leaves a file that a later load would read.

Only the standard library is imported here: listing datasets must not pay for pandas, NumPy or torch.

Example:
    >>> [label for label, _ in search_dirs(None)][-1]
    'cache'
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ...checkpoint import atomic_write_bytes

DATA_DIR_ENV = "CNNLSTM_DATA_DIR"
CACHE_ENV = "CNNLSTM_CACHE"


class DatasetUnavailableError(RuntimeError):
    """A dataset is neither on disk nor downloadable (no network, or ``download=False``)."""


class ChecksumMismatchError(RuntimeError):
    """A downloaded file does not have the pinned checksum; nothing was saved."""


# --------------------------------------------------------------------------------------------------------------
# Finding a file
# --------------------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The download cache: ``$CNNLSTM_CACHE`` if set, else ``~/.cache/cnnlstm``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "cnnlstm")


def search_dirs(data_dir: str | os.PathLike | None) -> list[tuple[str, Path]]:
    """The folders searched, in order, each with a label for messages: "data_dir argument", "$CNNLSTM_DATA_DIR",
    "cache"."""
    dirs = []
    if data_dir is not None:
        dirs.append(("data_dir argument", Path(data_dir)))
    if os.environ.get(DATA_DIR_ENV):
        dirs.append((f"${DATA_DIR_ENV}", Path(os.environ[DATA_DIR_ENV])))
    dirs.append(("cache", cache_dir()))
    return dirs


def find_file(relative_paths, data_dir: str | os.PathLike | None) -> tuple[str, Path] | None:
    """(label, path) of the first existing ``<folder>/<relative path>``, folders in search order, and within a
    folder the relative paths in the order given; None when no folder has any of them.

    Example:
        >>> find_file(["no/such/file.csv"], None) is None
        True
    """
    for label, folder in search_dirs(data_dir):
        for relative in relative_paths:
            path = folder / relative
            if path.is_file():
                return label, path
    return None


def searched_text(data_dir: str | os.PathLike | None) -> str:
    """The searched folders as indented lines for error messages, saying so when ``$CNNLSTM_DATA_DIR`` is unset."""
    text = "\n".join(f"  - {label}: {folder}" for label, folder in search_dirs(data_dir))
    if not os.environ.get(DATA_DIR_ENV):
        text += f"\n  - ${DATA_DIR_ENV}: not set"
    return text


# --------------------------------------------------------------------------------------------------------------
# Downloading
# --------------------------------------------------------------------------------------------------------------


def _fetch(url: str) -> bytes:
    """The bytes at `url`: the network step alone, so tests can replace it."""
    import urllib.request  # here: it pulls in http, email and ssl, which listing datasets does not need

    request = urllib.request.Request(url, headers={"User-Agent": "cnnlstm"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def file_hashes(path: str | os.PathLike) -> tuple[str, str]:
    """(sha256, md5) hex digests of a file, read in 1 MiB chunks."""
    sha256, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha256.update(chunk)
            md5.update(chunk)
    return sha256.hexdigest(), md5.hexdigest()


def download(url: str, *, sha256: str | None = None, md5: str | None = None, what: str = "file") -> bytes:
    """The bytes at `url`, checked against every checksum given (hex; None skips that check).

    Raises:
        ChecksumMismatchError: a checksum differs; nothing is kept.
        OSError, http.client.HTTPException: the network step failed (URLError and timeouts are OSErrors).
    """
    data = _fetch(url)  # looked up at call time: tests replace the network step
    for kind, expected, digest in (("SHA-256", sha256, hashlib.sha256), ("MD5", md5, hashlib.md5)):
        if expected is None:
            continue
        received = digest(data).hexdigest()
        if expected.lower() != received:
            raise ChecksumMismatchError(
                f"{what}: the file downloaded from {url} has the wrong {kind}. Expected: {expected}. "
                f"Received: {received}. Nothing was saved. "
                "Fix: retry; if it persists the upstream file changed: check it and report it."
            )
    return data


def download_to(
    url: str, target: str | os.PathLike, *, sha256: str | None = None, md5: str | None = None, what: str = "file"
) -> Path:
    """`download` `url`, then write it to `target` atomically; return `target`."""
    data = download(url, sha256=sha256, md5=md5, what=what)
    atomic_write_bytes(target, data)
    return Path(target)

