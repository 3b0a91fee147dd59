"""Reading the UCR/UEA ``.ts`` format of timeseriesclassification.com (sktime's/aeon's loader is the reference).

A file is ``#`` comments, an ``@`` header, then ``@data`` and one case per line::

    @problemName Toy
    @univariate false
    @dimensions 2
    @equalLength true
    @seriesLength 3
    @classLabel true up down
    @data
    1,2,3:4,5,6:up          <- dimension 1, dimension 2, label (dimensions split by ':', values by ',')
    3,2,1:6,5,4:down

Dimension letters used below: N cases, T time steps, F dimensions (features).

Example:
    >>> data = read_ts("GunPoint_TRAIN.ts")                                         # doctest: +SKIP
    >>> data.X.shape, data.class_labels                                             # doctest: +SKIP
    ((50, 150, 1), ['1', '2'])
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_BOOLEAN_HEADERS = ("timestamps", "missing", "univariate", "equallength", "targetlabel")
_INTEGER_HEADERS = ("dimensions", "serieslength")
_KNOWN_HEADERS = (
    "@problemName", "@timeStamps", "@missing", "@univariate", "@dimensions", "@equalLength", "@seriesLength",
    "@classLabel", "@targetLabel", "@data",
)


@dataclass
class TSData:
    """The contents of one ``.ts`` file.

    Attributes:
        X: float32 array (N, T, F) when every case has the same length, else a list of N float32 arrays (T_i, F).
        y: labels as a str array (classification), float64 targets (``@targetLabel true``), or None (unlabelled).
        class_labels: the labels declared by ``@classLabel true ...``, in header order; None when not declared.
        name: ``@problemName``, or the file name without ``_TRAIN.ts``-style suffixes when absent.
        univariate: F == 1.
        equal_length: whether X is one array.
        dimensions: F.
    """

    X: np.ndarray | list[np.ndarray]
    y: np.ndarray | None
    class_labels: list[str] | None
    name: str
    univariate: bool
    equal_length: bool
    dimensions: int


def read_ts(path: str | os.PathLike) -> TSData:
    """Read a UCR/UEA ``.ts`` file (or ``.ts.gz``).

    ``?`` is a missing value (NaN), allowed only under ``@missing true``. Timestamped files
    (``@timeStamps true``) are not supported. Every problem in the file is reported as a ValueError naming the
    file, the line and what was wrong.

    Example:
        >>> data = read_ts("JapaneseVowels_TRAIN.ts")                               # doctest: +SKIP
        >>> type(data.X), data.X[0].shape, data.dimensions                          # doctest: +SKIP
        (<class 'list'>, (20, 12), 12)
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    # errors="replace": comments in archive files are sometimes Latin-1; a replaced character in a data line
    # still fails as a non-numeric value, with its line number.
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()

    header: dict[str, object] = {}  # lower-case tag -> value; absent tags are absent
    data_start = None
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("@"):
            raise _error(
                path, index + 1, "a line before @data must be a # comment or an @ header",
                f"{line[:40]!r}", "add the missing @data line before the first case",
            )
        if _read_header_line(path, index + 1, line, header):
            data_start = index + 1
            break
    if data_start is None:
        raise ValueError(
            f"{path}: the file must have an @data line before its cases. Received: no @data line in "
            f"{len(lines)} lines. Fix: check that this is a .ts file; add '@data' after the header."
        )
    return _read_cases(path, lines, data_start, header)


def _error(path: Path, line_number: int, must: str, received: str, fix: str) -> ValueError:
    return ValueError(f"{path}, line {line_number}: {must}. Received: {received}. Fix: {fix}.")


def _read_header_line(path: Path, line_number: int, line: str, header: dict) -> bool:
    """Store one ``@`` line in `header`; return True for ``@data``."""
    tokens = line.split()
    key = tokens[0][1:].lower()
    if key == "data":
        return True
    if key == "problemname":
        header[key] = " ".join(tokens[1:])
    elif key in _BOOLEAN_HEADERS:
        header[key] = _boolean(path, line_number, tokens)
    elif key in _INTEGER_HEADERS:
        if len(tokens) != 2 or not tokens[1].isdigit() or int(tokens[1]) < 1:
            raise _error(path, line_number, f"{tokens[0]} must be followed by one positive integer",
                         repr(line), f"write e.g. '{tokens[0]} 3'")
        header[key] = int(tokens[1])
    elif key == "classlabel":
        if _boolean(path, line_number, tokens[:2]):
            if len(tokens) < 3:
                raise _error(path, line_number, "@classLabel true must list the class labels",
                             repr(line), "write e.g. '@classLabel true 1 2'")
            header[key] = tokens[2:]
    else:
        raise _error(path, line_number, f"a header tag must be one of {', '.join(_KNOWN_HEADERS)}",
                     repr(tokens[0]), "correct the tag's spelling or delete the line")
    if key == "timestamps" and header[key]:
        raise _error(
            path, line_number, "timestamped .ts files are not supported", "@timeStamps true",
            "convert the file to regularly sampled values without timestamps (e.g. load it with sktime's "
            "load_from_tsfile_to_dataframe, resample each series onto a regular grid, and write it back with "
            "'@timeStamps false')",
        )
    return False


def _boolean(path: Path, line_number: int, tokens: list[str]) -> bool:
    value = tokens[1].lower() if len(tokens) > 1 else ""
    if value not in ("true", "false"):
        raise _error(path, line_number, f"{tokens[0]} must be followed by true or false",
                     repr(" ".join(tokens)), f"write '{tokens[0]} true' or '{tokens[0]} false'")
    return value == "true"


def _read_cases(path: Path, lines: list[str], data_start: int, header: dict) -> TSData:
    class_labels = header.get("classlabel")
    is_regression = bool(header.get("targetlabel"))
    if class_labels is not None and is_regression:
        raise ValueError(
            f"{path}: a file must declare either @classLabel true or @targetLabel true. Received: both. "
            "Fix: delete the header line that does not describe the last value of each case."
        )
    has_label = class_labels is not None or is_regression
    known_labels = set(class_labels or ())
    missing_allowed = bool(header.get("missing"))
    expected_dims = header.get("dimensions") or (1 if header.get("univariate") else None)
    equal_declared = bool(header.get("equallength"))
    declared_length = header.get("serieslength") if equal_declared else None  # else: the first case's length

    cases: list[np.ndarray] = []  # each (T_i, F)
    labels: list[str] = []
    for index in range(data_start, len(lines)):
        line = lines[index].strip()
        if not line or line.startswith("#"):
            continue
        line_number = index + 1
        if line.startswith("@"):
            raise _error(path, line_number, "header lines must come before @data", repr(line[:40]),
                         "move the line above @data")
        parts = line.split(":")
        if has_label:
            labels.append(parts.pop().strip())
            if is_regression:
                _target(path, line_number, labels[-1])
            elif class_labels is not None and labels[-1] not in known_labels:
                raise _error(path, line_number, f"the label must be one of the declared class labels "
                             f"{class_labels}", repr(labels[-1]),
                             "add the label to '@classLabel true ...' or correct the case")
        if expected_dims is None:
            expected_dims = len(parts)
        if len(parts) != expected_dims:
            raise _error(path, line_number, f"every case must have {expected_dims} dimensions",
                         f"{len(parts)} dimensions", "check the ':' separators (and the label) of this case")
        arrays = [_values(path, line_number, part, missing_allowed) for part in parts]
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) > 1:
            raise _error(path, line_number, "all dimensions of a case must have the same length",
                         f"lengths {lengths}", "pad or trim the dimensions of this case to one length")
        if equal_declared and declared_length is None:
            declared_length = lengths[0]
        if equal_declared and lengths[0] != declared_length:
            raise _error(path, line_number, f"every case must have length {declared_length} (@equalLength true)",
                         f"length {lengths[0]}", "correct the case, or declare '@equalLength false'")
        cases.append(np.stack(arrays, axis=1).astype(np.float32))  # (F, T) values -> (T, F)

    if not cases:
        raise ValueError(
            f"{path}: the @data section must hold at least one case. Received: no case after line {data_start}. "
            "Fix: check that the file was not truncated."
        )
    equal_length = len({len(case) for case in cases}) == 1
    if is_regression:
        y = np.array(labels, dtype=np.float64)
    else:
        y = np.array(labels, dtype=str) if has_label else None
    stem = path.name.removesuffix(".gz").removesuffix(".ts")
    name = header.get("problemname") or stem.removesuffix("_TRAIN").removesuffix("_TEST")
    return TSData(
        X=np.stack(cases) if equal_length else cases,
        y=y,
        class_labels=list(class_labels) if class_labels is not None else None,
        name=str(name),
        univariate=expected_dims == 1,
        equal_length=equal_length,
        dimensions=int(expected_dims),
    )


def _values(path: Path, line_number: int, text: str, missing_allowed: bool) -> np.ndarray:
    """One dimension's comma-separated values as float64; ``?`` becomes NaN."""
    tokens = text.split(",")
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        pass  # a '?' or a bad token: find which, value by value
    values = np.empty(len(tokens))
    for position, token in enumerate(tokens):
        token = token.strip()
        if token == "?":
            if not missing_allowed:
                raise _error(path, line_number, "'?' (a missing value) is allowed only under '@missing true'",
                             f"'?' at value {position + 1}", "declare '@missing true' in the header")
            values[position] = np.nan
            continue
        try:
            values[position] = float(token)
        except ValueError:
            raise _error(path, line_number, "values must be numbers separated by ','",
                         f"{token!r} at value {position + 1}", "correct or remove the value") from None
    return values


def _target(path: Path, line_number: int, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _error(path, line_number, "the target (the last ':' field) must be a number under "
                     "'@targetLabel true'", repr(text), "correct the target") from None
