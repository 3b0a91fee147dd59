"""The .ts reader, the C-MAPSS reader and protocol, and the named archive datasets, on the real mirror files.

The mirror is ``$CNNLSTM_DATA_DIR`` or ``<repo>/../shared/data``. No test reaches the internet: each gets an empty
cache in tmp_path and the network step refuses every URL.
"""

from __future__ import annotations

import gzip
import io
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cnnlstm.data.prepare import conditions
from cnnlstm.data.sources import archives, cmapss, datasets, store
from cnnlstm.data.sources.ts import TSData, read_ts
from cnnlstm.metrics import phm08_score

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("CNNLSTM_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")

needs_mirror = pytest.mark.skipif(not MIRROR.is_dir(), reason=f"offline data mirror not found at {MIRROR}")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """An empty cache per test, the mirror as $CNNLSTM_DATA_DIR, and no network."""
    monkeypatch.setenv("CNNLSTM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(MIRROR))

    def no_network(url):
        raise AssertionError(f"a test tried to reach the network: {url}")

    monkeypatch.setattr(store, "_fetch", no_network)


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
def test_natops_parses_well_under_a_second():
    start = time.perf_counter()
    read_ts(_uea("NATOPS"))  # 2 MB, 180 cases x 24 dims x 51 values
    assert time.perf_counter() - start < 1.0


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
                       r"\(@equalLength true\). Received: length 2. Fix: correct the case, or declare "
                       r"'@equalLength false'"):
        read_ts(path)
    # without @seriesLength the first case sets the length
    with pytest.raises(ValueError, match=r"line 11: every case must have length 3 \(@equalLength true\)"):
        read_ts(_write(tmp_path, "1,2,3:4,5,6:up\n1,2:3,4:up\n"))


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


# ----------------------------------------------------------------------------------------------------------------
# C-MAPSS: files and RUL labels
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fd001():
    if not MIRROR.is_dir():
        pytest.skip(f"offline data mirror not found at {MIRROR}")
    return cmapss.load_cmapss("FD001", "train", data_dir=MIRROR), cmapss.load_cmapss("FD001", "test", data_dir=MIRROR)


@pytest.fixture(scope="module")
def fd002():
    if not MIRROR.is_dir():
        pytest.skip(f"offline data mirror not found at {MIRROR}")
    return cmapss.load_cmapss("FD002", "train", data_dir=MIRROR), cmapss.load_cmapss("FD002", "test", data_dir=MIRROR)


@needs_mirror
def test_read_cmapss_names_26_columns():
    frame = cmapss.read_cmapss(MIRROR / "CMAPSS" / "train_FD001.txt")
    assert frame.shape == (20631, 26)
    assert list(frame.columns) == ["unit", "cycle", "setting1", "setting2", "setting3"] + [
        f"s{i}" for i in range(1, 22)
    ]
    assert frame["unit"].dtype == np.int64 and frame["s1"].dtype == np.float64
    # the first line of the file: "1 1 -0.0007 -0.0004 100.0 518.67 641.82 ..."
    assert frame.iloc[0, :7].tolist() == [1, 1, -0.0007, -0.0004, 100.0, 518.67, 641.82]


def test_fd001_shapes_and_rul_by_hand(fd001):
    train, test = fd001
    assert train.shape == (20631, 27) and train["unit"].nunique() == 100
    assert test.shape == (13096, 27) and test["unit"].nunique() == 100
    unit1 = train[train["unit"] == 1]
    # unit 1 runs 192 cycles: its first row has 191 cycles left, its last row fails (rul 0)
    assert len(unit1) == 192 and unit1["rul"].iloc[0] == 191 and unit1["rul"].iloc[-1] == 0
    assert (train.groupby("unit")["rul"].min() == 0).all()
    rul_file = cmapss.read_rul(MIRROR / "CMAPSS" / "RUL_FD001.txt")
    assert rul_file.shape == (100,) and rul_file[:3].tolist() == [112, 98, 69]
    test1 = test[test["unit"] == 1]
    # test unit 1 stops after 31 cycles with 112 cycles left (RUL_FD001.txt, line 1)
    assert len(test1) == 31 and test1["rul"].iloc[-1] == 112 and test1["rul"].iloc[0] == 112 + 30
    assert test.groupby("unit")["rul"].min().tolist() == rul_file.tolist()


def test_fd002_is_read_from_gz(fd002):
    train, test = fd002
    assert not (MIRROR / "CMAPSS" / "train_FD002.txt").exists()
    assert train.shape == (53759, 27) and train["unit"].nunique() == 260
    assert test.shape == (33991, 27) and test["unit"].nunique() == 259
    assert test.groupby("unit")["rul"].min().tolist() == cmapss.read_rul(MIRROR / "CMAPSS" / "RUL_FD002.txt").tolist()


def test_read_cmapss_tolerates_trailing_spaces_and_gz(tmp_path):
    row = " ".join(["1", "1"] + ["0.5"] * 24)
    path = tmp_path / "train_FD009.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(f"{row}  \n{row.replace('1 1', '1 2', 1)}  \n")
    frame = cmapss.read_cmapss(path)
    assert frame.shape == (2, 26) and frame["cycle"].tolist() == [1, 2]


@pytest.mark.parametrize(
    "bad_line, message",
    [
        (" ".join(["1", "2"] + ["0.5"] * 23), r"line 2: every line must hold 26 whitespace-separated values "
         r"\(unit, cycle, 3 settings, 21 sensors\). Received: 25 values"),
        (" ".join(["1", "2"] + ["0.5"] * 25), r"line 2: every line must hold 26 .*Received: 27 values"),
        (" ".join(["1", "2"] + ["0.5"] * 23 + ["abc"]), r"line 2: every value must be a finite number. "
         r"Received: 'abc' in column 26"),
    ],
    ids=["short", "long", "text"],
)
def test_read_cmapss_names_the_bad_line(tmp_path, bad_line, message):
    path = tmp_path / "train_FD009.txt"
    path.write_text(" ".join(["1", "1"] + ["0.5"] * 24) + "\n" + bad_line + "\n")
    with pytest.raises(ValueError, match=r"train_FD009\.txt, " + message):
        cmapss.read_cmapss(path)


def test_read_cmapss_empty_file_and_float_units(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    with pytest.raises(ValueError, match=r"empty\.txt: a C-MAPSS file must hold at least one row"):
        cmapss.read_cmapss(path)
    path.write_text(" ".join(["1.5", "1"] + ["0.5"] * 24) + "\n")
    with pytest.raises(ValueError, match=r"the first two columns \(unit, cycle\) must hold integers"):
        cmapss.read_cmapss(path)


def test_read_rul_errors(tmp_path):
    path = tmp_path / "RUL_FD009.txt"
    path.write_text("12\n-3\n")
    with pytest.raises(ValueError, match=r"RUL_FD009\.txt, line 2: every line of an RUL file must hold one "
                       r"non-negative integer. Received: '-3'"):
        cmapss.read_rul(path)
    path.write_text("\n")
    with pytest.raises(ValueError, match=r"an RUL file must hold one line per test unit. Received: an empty file"):
        cmapss.read_rul(path)


def test_add_rul_needs_one_final_value_per_unit():
    frame = pd.DataFrame({"unit": [1, 1, 2], "cycle": [1, 2, 1]})
    assert cmapss.add_rul(frame, np.array([5, 7]))["rul"].tolist() == [6, 5, 7]
    with pytest.raises(ValueError, match=r"`final_rul` must hold one value per unit \(2 units\). Received: 3"):
        cmapss.add_rul(frame, np.array([1, 2, 3]))


def test_load_cmapss_validates_subset_and_split():
    with pytest.raises(ValueError, match=r"`subset` must be one of 'FD001', .*Received: subset='FD005'. "
                       r"Did you mean 'FD004'\?"):
        cmapss.load_cmapss("FD005", "train")
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'. Received: split='val'"):
        cmapss.load_cmapss("FD001", "val")


def test_load_cmapss_missing_file_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNLSTM_DATA_DIR")
    with pytest.raises(datasets.DatasetUnavailableError, match=r"C-MAPSS FD003 train: no local copy of "
                       r"CMAPSS/train_FD003\.txt \(or \.txt\.gz\)\. Searched: .*URL: https://.*CNNLSTM_DATA_DIR"):
        cmapss.load_cmapss("FD003", "train", data_dir=tmp_path)


# ----------------------------------------------------------------------------------------------------------------
# C-MAPSS: the protocol
# ----------------------------------------------------------------------------------------------------------------


def test_piecewise_linear_rul_caps():
    assert conditions.piecewise_linear_rul(np.array([300, 125, 60, 0])).tolist() == [125, 125, 60, 0]
    assert conditions.piecewise_linear_rul(np.array([200, 10]), cap=130).tolist() == [130, 10]
    with pytest.raises(ValueError, match=r"`cap` must be positive \(125 or 130 are usual\). Received: cap=0"):
        conditions.piecewise_linear_rul(np.array([1]), cap=0)


def test_constant_columns_of_fd001_are_the_literature_set(fd001):
    train, _ = fd001
    dropped = conditions.constant_columns(train, cmapss.SETTINGS + cmapss.SENSORS)
    assert dropped == ["setting3", "s1", "s5", "s10", "s16", "s18", "s19"]
    with pytest.raises(ValueError, match=r"`columns` must be columns of `frame`. Received: \['s99'\]"):
        conditions.constant_columns(train, ["s1", "s99"])


def test_fd002_has_six_well_separated_conditions(fd002):
    train, test = fd002
    settings = list(cmapss.SETTINGS)
    labels_train, labels_test = conditions.operating_conditions(train[settings], test[settings])
    assert sorted(np.unique(labels_train).tolist()) == list(range(6))
    assert np.unique(labels_test).tolist() == list(range(6)) and labels_test.shape == (len(test),)
    values = train[settings].to_numpy()
    centres = np.array([values[labels_train == k].mean(axis=0) for k in range(6)])
    spread = max(np.abs(values[labels_train == k] - centres[k]).max() for k in range(6))
    gap = min(np.linalg.norm(centres[i] - centres[j]) for i in range(6) for j in range(i))
    assert spread < 0.01 and gap > 5  # clusters ~1000x further apart than they are wide
    # renumbered by the sorted centres: condition 0 is sea level (setting1 ~ 0), 5 is setting1 ~ 42
    assert centres[0, 0] == pytest.approx(0, abs=0.01) and centres[5, 0] == pytest.approx(42, abs=0.01)
    # the same settings give the same labels (fixed seed)
    assert np.array_equal(conditions.operating_conditions(train[settings]), labels_train)


def test_operating_conditions_validation():
    with pytest.raises(ValueError, match=r"`n_conditions` must be an integer from 1 to the number of rows \(2\). "
                       r"Received: n_conditions=6"):
        conditions.operating_conditions(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"`train_settings` must be a non-empty 2-D array of finite numbers"):
        conditions.operating_conditions(np.zeros(5), n_conditions=1)
    with pytest.raises(ValueError, match=r"`test_settings` must have the 3 columns of `train_settings`. "
                       r"Received: 2 columns"):
        conditions.operating_conditions(np.zeros((4, 3)), np.zeros((4, 2)), n_conditions=1)


def test_normalise_per_condition_fits_train_only(fd002):
    train, test = fd002
    settings, sensors = list(cmapss.SETTINGS), ["s2", "s7", "s11"]
    conditions_train, conditions_test = conditions.operating_conditions(train[settings], test[settings])
    train_z, test_z = conditions.normalise_per_condition(train, test, sensors, conditions_train, conditions_test)
    grouped = train_z[sensors].groupby(conditions_train)
    assert np.allclose(grouped.mean(), 0, atol=1e-9) and np.allclose(grouped.std(ddof=0), 1, atol=1e-9)
    # test is scaled with train's statistics, not its own
    mask = conditions_test == 0
    expected = (test.loc[mask, "s2"] - train.loc[conditions_train == 0, "s2"].mean()) / train.loc[
        conditions_train == 0, "s2"
    ].std(ddof=0)
    assert np.allclose(test_z.loc[mask, "s2"], expected)
    assert train["s2"].iloc[0] != train_z["s2"].iloc[0]  # inputs untouched, new frames returned
    assert train_z["unit"].equals(train["unit"])


def test_normalise_per_condition_errors():
    frame = pd.DataFrame({"s": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"`conditions_test` must only hold conditions seen in train. "
                       r"Received: \[7\]"):
        conditions.normalise_per_condition(frame, frame, ["s"], [0, 0], [0, 7])
    with pytest.raises(ValueError, match=r"`conditions_train` must hold one label per row of `train` \(2\). "
                       r"Received: shape \(3,\)"):
        conditions.normalise_per_condition(frame, frame, ["s"], [0, 0, 0], [0, 0])


def test_phm08_score_by_hand():
    # d = pred - true = [-10, +10, 0]: exp(10/13) - 1 = 1.1581055..., exp(1) - 1 = 1.7182818..., 0
    score = phm08_score([100, 50, 20], [90, 60, 20])
    assert score == pytest.approx((2.1581055 - 1) + (2.7182818 - 1), abs=1e-6)
    assert phm08_score([5.0], [5.0]) == 0.0
    with pytest.raises(ValueError, match=r"`y_pred` must have the shape of `y_true`. Received: \(1,\) and \(2,\)"):
        phm08_score([1, 2], [1])


# ----------------------------------------------------------------------------------------------------------------
# Named datasets: archives.load_archive
# ----------------------------------------------------------------------------------------------------------------


@needs_mirror
@pytest.mark.parametrize(
    "name, split, shape",
    [("gunpoint", "train", (50, 150, 1)), ("GunPoint", "test", (150, 150, 1)), ("CBF", "test", (900, 128, 1)),
     ("ECG200", "train", (100, 96, 1)), ("ECG5000", "train", (500, 140, 1)), ("TwoPatterns", "train", (1000, 128, 1)),
     ("wafer", "train", (1000, 152, 1)), ("BasicMotions", "test", (40, 100, 6)), ("epilepsy", "train", (137, 206, 3)),
     ("NATOPS", "test", (180, 51, 24)), ("ItalyPowerDemand", "train", (67, 24, 1))],
)
def test_load_archive_reads_the_mirror(name, split, shape):
    X, y = archives.load_archive(name, split=split, download=False)
    assert X.shape == shape and y.shape == (shape[0],) and y.dtype.kind == "U"


@needs_mirror
def test_load_archive_unequal_lengths_and_cmapss():
    X, y = archives.load_archive("japanesevowels", split="test", download=False)
    assert isinstance(X, list) and len(X) == len(y) == 370
    frame = archives.load_archive("CMAPSS-FD001", split="test", download=False)
    assert frame.shape == (13096, 27) and "rul" in frame.columns


def test_registry_covers_the_requested_sets():
    names = archives.list_archives()  # every UCR and UEA problem (tests/test_datasets.py checks them), then C-MAPSS
    assert len(names) == 128 + 30 + 4 and names[-4:] == ["cmapss-fd001", "cmapss-fd002", "cmapss-fd003", "cmapss-fd004"]
    assert {"GunPoint", "ItalyPowerDemand", "ECG200", "CBF", "ECG5000", "TwoPatterns", "Wafer",
            "BasicMotions", "JapaneseVowels", "Epilepsy", "NATOPS"} <= set(names)
    info = archives.archive_info("natops")
    assert info.url == "https://timeseriesclassification.com/aeon-toolkit/NATOPS.zip"
    assert info.sha256 is None and "No checksum is known" in info.notes
    assert info.mirror_paths("test")[0] == "UEA/NATOPS/NATOPS_TEST.ts"
    assert archives.archive_info("cmapss-fd001").mirror_paths("test") == (
        "CMAPSS/test_FD001.txt", "CMAPSS/RUL_FD001.txt")


@needs_mirror
@pytest.mark.parametrize("name", ["ECG5000", "TwoPatterns", "Wafer"])
def test_missing_test_split_is_unavailable(name):
    with pytest.raises(datasets.DatasetUnavailableError) as caught:
        archives.load_archive(name, split="test", download=False)
    message = str(caught.value)
    assert f"no local copy of UCR/{name}/{name}_TEST.ts was found and the download was disabled" in message
    assert f"URL: https://timeseriesclassification.com/aeon-toolkit/{name}.zip" in message
    assert "CNNLSTM_DATA_DIR" in message and "Fix: download" in message


@needs_mirror
def test_failed_download_is_unavailable(monkeypatch, tmp_path):
    def offline(url):
        raise OSError("network is unreachable")

    monkeypatch.setattr(store, "_fetch", offline)
    with pytest.raises(datasets.DatasetUnavailableError, match=r"download failed: network is unreachable"):
        archives.load_archive("Wafer", split="test")
    with pytest.raises(datasets.DatasetUnavailableError, match=r"(?s)'cmapss-fd003' \(train\).*CMAPSS/train_FD003\.txt"
                       r" was found and the download failed.*URL: https://phm-datasets"):
        archives.load_archive("cmapss-fd003")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # no partial zip left behind


def _serve(monkeypatch, payload: bytes) -> list[str]:
    """Make the network step write `payload`; return the list of URLs it was asked for."""
    urls = []

    def fake_fetch(url):
        urls.append(url)
        return payload

    monkeypatch.setattr(store, "_fetch", fake_fetch)
    return urls


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_download_unzips_into_the_cache(monkeypatch, tmp_path):
    case = b"@problemName Wafer\n@univariate true\n@classLabel true -1 1\n@data\n1,2,3:1\n4,5,6:-1\n"
    urls = _serve(monkeypatch, _zip({"Wafer/Wafer_TEST.ts": case, "Wafer/Wafer_TRAIN.ts": case, "x.arff": b""}))
    monkeypatch.setenv("CNNLSTM_DATA_DIR", str(tmp_path / "empty"))
    X, y = archives.load_archive("WAFER", split="test")
    assert X.shape == (2, 3, 1) and y.tolist() == ["1", "-1"]
    assert urls == ["https://timeseriesclassification.com/aeon-toolkit/Wafer.zip"]
    cache = tmp_path / "cache"
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()) == [
        "UCR/Wafer/Wafer_TEST.ts", "UCR/Wafer/Wafer_TRAIN.ts"]  # the zip is deleted once unzipped
    umask = os.umask(0)
    os.umask(umask)
    # written by checkpoint.atomic_write_bytes, the one atomic writer: the mode open() gives, not mkstemp's 0o600
    assert (cache / "UCR/Wafer/Wafer_TEST.ts").stat().st_mode & 0o777 == 0o666 & ~umask
    X, _ = archives.load_archive("Wafer", split="train", download=False)  # now read from the cache
    assert X.shape == (2, 3, 1) and len(urls) == 1


def test_download_of_nasa_nested_zip(monkeypatch, tmp_path):
    row = " ".join(["1", "{cycle}"] + ["0.5"] * 24)
    train = "\n".join(row.format(cycle=c) for c in (1, 2, 3)).encode()
    inner = _zip({"train_FD003.txt": train, "test_FD003.txt": train, "RUL_FD003.txt": b"7\n", "readme.txt": b""})
    _serve(monkeypatch, _zip({"6. Turbofan Engine Degradation Simulation Data Set/CMAPSSData.zip": inner}))
    test = archives.load_archive("cmapss-fd003", split="test")
    assert test["rul"].tolist() == [9, 8, 7]
    assert (tmp_path / "cache" / "CMAPSS" / "RUL_FD003.txt").read_bytes() == b"7\n"


def test_download_that_is_not_a_zip_or_lacks_the_file(monkeypatch):
    _serve(monkeypatch, b"<html>not found</html>")  # the site answers 200 with a page for unknown names
    with pytest.raises(datasets.DatasetUnavailableError, match=r"download failed: File is not a zip file"):
        archives.load_archive("ECG5000", split="test")
    _serve(monkeypatch, _zip({"ECG5000_TRAIN.ts": b""}))
    with pytest.raises(datasets.DatasetUnavailableError, match=r"download succeeded, but the zip holds no "
                       r"ECG5000_TEST\.ts"):
        archives.load_archive("ECG5000", split="test")


def test_unknown_name_and_split():
    with pytest.raises(ValueError, match=r"`name` must be a classification or RUL dataset \(the 128 UCR and 30 UEA "
                       r"problems by archive name, e\.g\. 'GunPoint', .*'cmapss-fd004'\)\. "
                       r"Received: name='gunpont'. Did you mean 'GunPoint'\? Fix: "):
        archives.load_archive("gunpont")
    with pytest.raises(ValueError, match=r"Received: name='cmapss-fd05'. Did you mean 'cmapss-fd00[1-4]'\?"):
        archives.load_archive("cmapss-fd05")
    with pytest.raises(ValueError, match=r"`split` must be one of 'train', 'test'. Received: split='valid'"):
        archives.load_archive("GunPoint", split="valid")
    with pytest.raises(TypeError, match=r"`name` must be a string such as 'GunPoint'. Received: name=3"):
        archives.archive_info(3)


def test_public_load_dispatches_archive_names():
    from cnnlstm import datasets

    X, y = datasets.load("GunPoint", split="test")
    assert X.shape == (150, 150, 1) and len(y) == 150
    frame = datasets.load("cmapss-fd001")
    assert {"unit", "cycle", "rul"} <= set(frame.columns) and len(frame) == 20631
    assert datasets.load("airline").shape == (144, 2)
