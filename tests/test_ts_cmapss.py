"""The .ts reader, the C-MAPSS reader and protocol, and the named archive datasets, on the real mirror files.

The mirror is ``$CNNLSTM_DATA_DIR`` or ``<repo>/../shared/data``. No test reaches the internet: each gets an empty
cache in tmp_path and the network step refuses every URL.
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import numpy as np
import pytest

from cnnlstm.data import datasets
from cnnlstm.data.ts import TSData, read_ts

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("CNNLSTM_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"offline data mirror not found at {MIRROR}")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """An empty cache per test, the mirror as $CNNLSTM_DATA_DIR, and no network."""
    monkeypatch.setenv("CNNLSTM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(MIRROR))

    def no_network(url, dest):
        raise AssertionError(f"a test tried to reach the network: {url}")

    monkeypatch.setattr(datasets, "_fetch", no_network)


def _ucr(name: str, split: str = "TRAIN") -> Path:
    return MIRROR / "UCR" / name / f"{name}_{split}.ts"


def _uea(name: str, split: str = "TRAIN") -> Path:
    return MIRROR / "UEA" / name / f"{name}_{split}.ts"


# ----------------------------------------------------------------------------------------------------------------
# .ts: real files
# ----------------------------------------------------------------------------------------------------------------


@needs_mirror
def test_gunpoint_is_univariate_equal_length():
    data = read_ts(_ucr("GunPoint"))
    assert isinstance(data, TSData)
    assert data.X.shape == (50, 150, 1) and data.X.dtype == np.float32
    assert data.class_labels == ["1", "2"] and set(data.y) == {"1", "2"} and data.y.shape == (50,)
    assert (data.name, data.univariate, data.equal_length, data.dimensions) == ("GunPoint", True, True, 1)
    # the first case as written in the file: "-0.6478854,-0.64199155,...:2"
    assert data.X[0, :2, 0].tolist() == pytest.approx([-0.6478854, -0.64199155])
    assert data.y[0] == "2"


@needs_mirror
@pytest.mark.parametrize("split", ["TRAIN", "TEST"])
def test_basic_motions_is_multivariate(split):
    data = read_ts(_uea("BasicMotions", split))
    assert data.X.shape == (40, 100, 6)
    assert data.class_labels == ["Standing", "Running", "Walking", "Badminton"]
    assert set(data.y) == set(data.class_labels)
    assert not data.univariate and data.dimensions == 6


@needs_mirror
def test_japanese_vowels_is_a_list_of_unequal_lengths():
    train, test = read_ts(_uea("JapaneseVowels")), read_ts(_uea("JapaneseVowels", "TEST"))
    assert isinstance(train.X, list) and len(train.X) == 270 and len(test.X) == 370
    assert not train.equal_length and train.dimensions == 12
    lengths = [len(x) for x in train.X + test.X]
    assert (min(lengths), max(lengths)) == (7, 29)
    assert max(len(x) for x in train.X) == 26
    assert all(x.shape[1] == 12 and x.dtype == np.float32 for x in train.X)


@needs_mirror
def test_natops_labels_stay_strings():
    data = read_ts(_uea("NATOPS"))
    assert data.class_labels == ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"]
    assert data.y.dtype.kind == "U" and set(data.y) == set(data.class_labels)
    assert data.X.shape == (180, 51, 24)


@needs_mirror
def test_italy_power_demand_has_length_24():
    for split, cases in (("TRAIN", 67), ("TEST", 1029)):
        assert read_ts(_ucr("ItalyPowerDemand", split)).X.shape == (cases, 24, 1)


# ----------------------------------------------------------------------------------------------------------------
# .ts: small hand-written files
# ----------------------------------------------------------------------------------------------------------------

_HEADER = """# a comment
@problemName Toy
@timeStamps false
@missing {missing}
@univariate false
@dimensions 2
@equalLength {equal}
@classLabel true up down
@data
"""


def _write(tmp_path, body: str, *, missing="false", equal="true", header=_HEADER, name="toy.ts") -> Path:
    path = tmp_path / name
    path.write_text(header.format(missing=missing, equal=equal) + body)
    return path


def test_small_file_parses_to_n_t_f(tmp_path):
    data = read_ts(_write(tmp_path, "1,2,3:4,5,6:up\n3,2,1:6,5,4:down\n"))
    assert data.X.shape == (2, 3, 2)
    assert data.X[0].tolist() == [[1, 4], [2, 5], [3, 6]]
    assert data.y.tolist() == ["up", "down"] and data.name == "Toy"


def test_headers_are_case_insensitive_and_gz_is_read(tmp_path):
    header = _HEADER.replace("@problemName", "@PROBLEMNAME").replace("@classLabel", "@classlabel")
    path = tmp_path / "toy.ts.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(header.format(missing="false", equal="true") + "1,2:3,4:down\n")
    data = read_ts(path)
    assert data.X.tolist() == [[[1, 3], [2, 4]]] and data.y.tolist() == ["down"]


def test_question_mark_is_nan_under_missing_true(tmp_path):
    data = read_ts(_write(tmp_path, "1,?,3:4,5,?:up\n", missing="true"))
    assert np.isnan(data.X[0, 1, 0]) and np.isnan(data.X[0, 2, 1]) and data.X[0, 0, 0] == 1


def test_question_mark_without_missing_true_names_the_line(tmp_path):
    path = _write(tmp_path, "1,2,3:4,5,6:up\n1,?,3:4,5,6:up\n")
    with pytest.raises(ValueError, match=r"toy\.ts, line 11: '\?' \(a missing value\) is allowed only under "
                       r"'@missing true'. Received: '\?' at value 2. Fix: declare '@missing true'"):
        read_ts(path)


def test_unequal_lengths_give_a_list(tmp_path):
    data = read_ts(_write(tmp_path, "1,2,3:4,5,6:up\n1,2:3,4:down\n", equal="false"))
    assert isinstance(data.X, list) and [x.shape for x in data.X] == [(3, 2), (2, 2)]
    assert not data.equal_length


def test_dimensions_of_different_lengths_in_one_case_are_an_error(tmp_path):
    path = _write(tmp_path, "1,2,3:4,5:up\n", equal="false")
    with pytest.raises(ValueError, match=r"line 10: all dimensions of a case must have the same length. "
                       r"Received: lengths \[3, 2\]"):
        read_ts(path)


def test_wrong_number_of_dimensions_names_the_line(tmp_path):
    path = _write(tmp_path, "1,2:3,4:up\n1,2:up\n")
    with pytest.raises(ValueError, match=r"toy\.ts, line 11: every case must have 2 dimensions. "
                       r"Received: 1 dimensions"):
        read_ts(path)


def test_label_not_declared_names_the_line(tmp_path):
    path = _write(tmp_path, "1,2:3,4:sideways\n")
    with pytest.raises(ValueError, match=r"line 10: the label must be one of the declared class labels "
                       r"\['up', 'down'\]. Received: 'sideways'"):
        read_ts(path)


def test_non_numeric_value_names_the_line(tmp_path):
    path = _write(tmp_path, "1,2:3,4:up\n1,x2:3,4:up\n")
    with pytest.raises(ValueError, match=r"line 11: values must be numbers separated by ','. "
                       r"Received: 'x2' at value 2"):
        read_ts(path)


def test_empty_data_section_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"toy\.ts: the @data section must hold at least one case. "
                       r"Received: no case after line 9"):
        read_ts(_write(tmp_path, "\n# only a comment\n"))


def test_missing_data_line_is_an_error(tmp_path):
    path = tmp_path / "nodata.ts"
    path.write_text("@problemName Toy\n@classLabel true a b\n")
    with pytest.raises(ValueError, match=r"nodata\.ts: the file must have an @data line before its cases. "
                       r"Received: no @data line in 2 lines"):
        read_ts(path)


def test_case_before_data_line_is_an_error(tmp_path):
    path = tmp_path / "early.ts"
    path.write_text("@problemName Toy\n1,2,3:a\n@data\n")
    with pytest.raises(ValueError, match=r"line 2: a line before @data must be a # comment or an @ header"):
        read_ts(path)


def test_timestamped_files_are_refused_with_a_conversion_hint(tmp_path):
    path = _write(tmp_path, "(0,1),(1,2):(0,3),(1,4):up\n", header=_HEADER.replace(
        "@timeStamps false", "@timeStamps true"))
    with pytest.raises(ValueError, match=r"line 3: timestamped .ts files are not supported. "
                       r"Received: @timeStamps true. Fix: convert the file to regularly sampled values"):
        read_ts(path)


def test_unknown_header_tag_is_an_error(tmp_path):
    path = _write(tmp_path, "1,2:3,4:up\n", header=_HEADER.replace("@dimensions", "@dimension"))
    with pytest.raises(ValueError, match=r"line 6: a header tag must be one of @problemName, .*"
                       r"Received: '@dimension'"):
        read_ts(path)


def test_bad_boolean_and_integer_headers(tmp_path):
    with pytest.raises(ValueError, match=r"line 4: @missing must be followed by true or false"):
        read_ts(_write(tmp_path, "1,2:3,4:up\n", missing="maybe"))
    with pytest.raises(ValueError, match=r"line 6: @dimensions must be followed by one positive integer"):
        read_ts(_write(tmp_path, "1:2:up\n", header=_HEADER.replace("@dimensions 2", "@dimensions two")))
    with pytest.raises(ValueError, match=r"line 8: @classLabel true must list the class labels"):
        read_ts(_write(tmp_path, "1:2:up\n", header=_HEADER.replace("true up down", "true")))


def test_series_length_is_checked_under_equal_length(tmp_path):
    header = _HEADER.replace("@classLabel", "@seriesLength 3\n@classLabel")
    path = _write(tmp_path, "1,2,3:4,5,6:up\n1,2:3,4:up\n", header=header)
    with pytest.raises(ValueError, match=r"line 12: every case must have length 3 "
                       r"\(@equalLength true, @seriesLength\). Received: length 2"):
        read_ts(path)


def test_regression_targets_are_floats(tmp_path):
    header = "@problemName Reg\n@univariate true\n@targetLabel true\n@data\n"
    path = tmp_path / "reg.ts"
    path.write_text(header + "1,2,3:0.5\n4,5,6:-1.25\n")
    data = read_ts(path)
    assert data.y.dtype == np.float64 and data.y.tolist() == [0.5, -1.25]
    assert data.class_labels is None and data.X.shape == (2, 3, 1) and data.univariate
    path.write_text(header + "1,2,3:0.5\n4,5,6:big\n")
    with pytest.raises(ValueError, match=r"reg\.ts, line 6: the target \(the last ':' field\) must be a number"):
        read_ts(path)


def test_class_and_target_labels_together_are_an_error(tmp_path):
    path = tmp_path / "both.ts"
    path.write_text("@classLabel true a b\n@targetLabel true\n@data\n1,2:a\n")
    with pytest.raises(ValueError, match=r"both\.ts: a file must declare either @classLabel true or "
                       r"@targetLabel true. Received: both"):
        read_ts(path)


def test_unlabelled_file_has_no_y(tmp_path):
    path = tmp_path / "plain_TRAIN.ts"
    path.write_text("@univariate true\n@classLabel false\n@data\n1,2,3\n4,5,6\n")
    data = read_ts(path)
    assert data.y is None and data.X.shape == (2, 3, 1) and data.name == "plain"


def test_header_after_data_is_an_error(tmp_path):
    path = _write(tmp_path, "1,2:3,4:up\n@missing true\n")
    with pytest.raises(ValueError, match=r"line 11: header lines must come before @data"):
        read_ts(path)
