"""Classifier and Regressor on real UCR/UEA and C-MAPSS slices: learning, variable length, the RUL protocol,
transfer learning, saving, and every bad-input error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import cnnlstm
from cnnlstm import Classifier, Regressor, UnitRegressor, datasets
from cnnlstm.data.prepare.grouped import group_frame
from cnnlstm.data.prepare.sequences import as_sequences, stratified_split
from cnnlstm.tasks import GroupWindowGather

FAST = dict(epochs=3, batch_size=16, device="cpu", progress=False)
SMALL = {"cnn": dict(filters=8), "lstm": dict(hidden_size=8), "cnn_lstm": dict(filters=8, hidden_size=8),
         "lstm_cnn": dict(filters=8, hidden_size=8), "parallel": dict(filters=8, hidden_size=8), "linear": {}}


@pytest.fixture(scope="module")
def italy():
    return datasets.load("ItalyPowerDemand", split="train"), datasets.load("ItalyPowerDemand", split="test")


@pytest.fixture(scope="module")
def vowels():
    X, y = datasets.load("JapaneseVowels", split="train")
    keep = np.r_[0:30, 30:60, 60:90]  # three speakers, lengths vary
    return [X[i] for i in keep], y[keep]


@pytest.fixture(scope="module")
def fd001():
    train = datasets.load("cmapss-fd001", split="train")
    test = datasets.load("cmapss-fd001", split="test")
    return train[train["unit"] <= 12], test[test["unit"] <= 8]


# -----------------------------------------------------------------------------
# classification


def test_classifier_learns_italy_power_demand(italy):
    (X, y), (X_test, y_test) = italy
    clf = Classifier(model="cnn_lstm", epochs=30, batch_size=16, device="cpu", progress=False, **SMALL["cnn_lstm"])
    scores = clf.fit(X, y).evaluate(X_test[:400], y_test[:400])
    assert scores["accuracy"] > 0.7  # the classes are balanced: chance is 0.5
    assert set(scores) == {"accuracy", "balanced_accuracy", "macro_f1"}
    proba = clf.predict_proba(X_test[:5])
    assert proba.shape == (5, 2) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert clf.classes_.tolist() == ["1", "2"] and set(clf.predict(X_test[:5])) <= {"1", "2"}


@pytest.mark.parametrize("model", ["cnn", "lstm", "cnn_lstm", "lstm_cnn", "parallel"])
def test_variable_length_predictions_do_not_depend_on_the_batch(vowels, model):
    X, y = vowels
    clf = Classifier(model=model, **FAST, **SMALL[model]).fit(X, y)
    together = clf.predict_proba(X[:12])
    alone = np.concatenate([clf.predict_proba([x]) for x in X[:12]])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    perm = np.random.default_rng(0).permutation(12)
    np.testing.assert_allclose(clf.predict_proba([X[i] for i in perm]), together[perm], atol=1e-5)


def test_validation_is_stratified_and_keeps_single_examples_in_train():
    labels = np.array([0] * 10 + [1] * 5 + [2])
    train, val = stratified_split(labels, 0.2, seed=0)
    assert np.bincount(labels[val], minlength=3).tolist() == [2, 1, 0]
    assert len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 16


def test_class_weights_and_report(italy):
    (X, y), (X_test, y_test) = italy
    clf = Classifier(model="cnn", class_weight="balanced", **FAST, **SMALL["cnn"]).fit(X, y)
    report = clf.report(X_test[:50], y_test[:50])
    assert np.asarray(report["confusion_matrix"]).sum() == 50
    assert set(report["per_class"]) >= {"1", "2", "macro avg"}
    clf = Classifier(model="cnn", class_weight={"1": 2.0}, **FAST, **SMALL["cnn"]).fit(X, y)
    with pytest.raises(ValueError, match=r"`class_weight` names labels absent from y: \['3'\]"):
        Classifier(model="cnn", class_weight={"3": 2.0}, **FAST).fit(X, y)


def test_classifier_from_a_long_frame_with_a_label_column(vowels):
    X, y = vowels
    rows = [pd.DataFrame(x, columns=[f"c{j}" for j in range(12)]).assign(id=i, label=y[i]) for i, x in enumerate(X[:40])]
    frame = pd.concat(rows, ignore_index=True)
    clf = Classifier(model="lstm", **FAST, **SMALL["lstm"]).fit(frame, target="label", group="id")
    assert clf.feature_shape_ == [12]
    assert len(clf.predict(frame.drop(columns="label"), group="id")) == 40


def test_save_and_load_give_identical_predictions(tmp_path, vowels):
    X, y = vowels
    clf = Classifier(model="parallel", merge="attention", **FAST, **SMALL["parallel"]).fit(X, y)
    clf.save(tmp_path / "clf")
    again = cnnlstm.load(tmp_path / "clf", device="cpu")
    assert isinstance(again, Classifier)
    np.testing.assert_array_equal(again.predict_proba(X[:20]), clf.predict_proba(X[:20]))
    assert again.classes_.tolist() == clf.classes_.tolist()


def test_amp_always_trains_and_predicts_in_bf16_on_the_cpu_and_survives_a_save(tmp_path, italy):
    (X, y), (X_test, y_test) = italy
    dtypes = []

    def record(module, inputs, output):
        dtypes.append(output.dtype)

    kwargs = dict(model="lstm_fcn", filters=(8, 8, 8), hidden_size=8, epochs=30, batch_size=16, device="cpu",
                  progress=False)
    clf = Classifier(amp="always", **kwargs)
    clf.fit(X, y)
    handle = clf.net_.backbone.blocks.blocks[1].convs[0].register_forward_hook(record)
    clf.predict_proba(X_test[:8])
    assert dtypes == [torch.bfloat16]  # the convolution ran under CPU autocast
    assert clf.evaluate(X_test[:400], y_test[:400])["accuracy"] > 0.7
    handle.remove()
    clf.save(tmp_path / "clf")
    again = cnnlstm.load(tmp_path / "clf", device="cpu")
    assert again.amp == "always"
    np.testing.assert_array_equal(again.predict_proba(X_test[:20]), clf.predict_proba(X_test[:20]))
    plain = Classifier(**kwargs).fit(X, y)  # amp=True, the default: float32 on the CPU
    plain.net_.backbone.blocks.blocks[1].convs[0].register_forward_hook(record)
    plain.predict_proba(X_test[:8])
    assert dtypes[-1] == torch.float32


def test_a_seed_ensemble_averages_its_members_probabilities_and_saves_as_one(tmp_path, italy):
    (X, y), (X_test, _) = italy
    X, y, X_test = X[:40], y[:40], X_test[:30]
    settings = dict(model="cnn", val_size=0, **FAST, **SMALL["cnn"])  # no hold-out: it would follow the seed
    ensemble = Classifier(n_estimators=3, seed=4, **settings).fit(X, y)
    members = [Classifier(seed=4 + i, **settings).fit(X, y) for i in range(3)]  # the same seeds, one by one
    mean = np.mean([m.predict_proba(X_test) for m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(X_test), mean, atol=1e-5)
    assert sorted(ensemble.history_["member"].unique()) == [0, 1, 2]
    assert ensemble.num_parameters() == 3 * members[0].num_parameters()
    ensemble.save(tmp_path / "ensemble")
    again = cnnlstm.load(tmp_path / "ensemble", device="cpu")
    np.testing.assert_array_equal(again.predict_proba(X_test), ensemble.predict_proba(X_test))
    assert again.get_params()["n_estimators"] == 3
    transferred = Classifier(encoder=tmp_path / "ensemble", **settings).fit(X, y)  # its first member's encoder
    assert transferred.num_parameters() == members[0].num_parameters()


def test_a_regression_ensemble_predicts_its_members_mean():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    y = X[:, -3:, 0].mean(axis=1)
    settings = dict(model="lstm", val_size=0, **FAST, **SMALL["lstm"])
    ensemble = Regressor(n_estimators=2, **settings).fit(X, y)
    members = [Regressor(seed=i, **settings).fit(X, y) for i in range(2)]
    np.testing.assert_allclose(ensemble.predict(X), np.mean([m.predict(X) for m in members], axis=0), atol=1e-5)


def test_the_fcn_protocol_trains_on_every_training_sequence_and_selects_on_training_loss(italy):
    (X, y), (X_test, y_test) = italy
    clf = Classifier(model="cnn", val_size=0, schedule="plateau", **{**FAST, "epochs": 8}, **SMALL["cnn"])
    clf.fit(X, y)
    assert len(clf.validation_indices_) == 0 and "val_loss" not in clf.history_  # nothing held out
    assert clf.history_["lr"].iloc[0] == clf.lr  # no warm-up: the rate only halves on a plateau
    assert 0.5 < clf.score(X_test, y_test) <= 1.0


def test_folds_choose_the_epochs_by_cross_validation_then_refit_on_everything(italy, fd001):
    (X, y), _ = italy
    X, y = X[:60], y[:60]
    clf = Classifier(model="cnn", folds=3, **{**FAST, "epochs": 5}, **SMALL["cnn"]).fit(X, y)
    assert len(clf.cv_val_loss_) == 5 and clf.best_epochs_ == int(np.argmin(clf.cv_val_loss_)) + 1
    assert len(clf.history_) == clf.best_epochs_ and "val_loss" not in clf.history_  # the refit: all 60 sequences
    assert len(clf.validation_indices_) == 0
    reg = Regressor(model="lstm", folds=2, **{**FAST, "epochs": 3}, **SMALL["lstm"])
    reg.fit(np.asarray(X, dtype=np.float32), np.arange(60, dtype=np.float32))
    assert 1 <= reg.best_epochs_ <= 3 and len(reg.history_) == reg.best_epochs_
    train, _ = fd001
    units = UnitRegressor(model="cnn", folds=3, **{**FAST, "epochs": 2}, **SMALL["cnn"])
    units.fit(train, group="unit", target="rul")
    assert len(units.validation_units_) == 0 and len(units.history_) == units.best_epochs_
    # refit: the validation units choose the epochs, then every unit trains for that many
    refit = UnitRegressor(model="cnn", refit=True, **{**FAST, "epochs": 3}, **SMALL["cnn"])
    refit.fit(train, group="unit", target="rul")
    curve = refit.holdout_history_["val_loss"].to_numpy()
    assert len(curve) == 3 and refit.best_epochs_ == int(np.argmin(curve)) + 1 and len(refit.validation_units_) > 0
    assert len(refit.history_) == refit.best_epochs_ and "val_loss" not in refit.history_
    # an ensemble's hold-out runs once (its first seed picks the epochs); then every member refits for that many
    ensemble = UnitRegressor(model="cnn", refit=True, n_estimators=2, **{**FAST, "epochs": 3}, **SMALL["cnn"])
    ensemble.fit(train, group="unit", target="rul")
    assert "member" not in ensemble.holdout_history_ and ensemble.best_epochs_ == refit.best_epochs_  # same seed 0
    np.testing.assert_array_equal(ensemble.holdout_history_["val_loss"], curve)
    assert sorted(ensemble.history_["member"].unique()) == [0, 1]
    assert (ensemble.history_.groupby("member").size() == ensemble.best_epochs_).all()
    with pytest.raises(ValueError, match="refit=True trained on the validation units too"):
        refit.predict(train, level=80)
    with pytest.raises(ValueError, match="`refit` must be True or False"):
        UnitRegressor(model="cnn", refit="yes", **FAST).fit(train, group="unit", target="rul")
    with pytest.raises(ValueError, match=r"`folds` must be None .* or an integer from 2 to the 60 training"):
        Classifier(model="cnn", folds=1, **FAST, **SMALL["cnn"]).fit(X, y)


def test_fixed_window_models_read_units_padded_on_the_left_with_their_first_row(fd001):
    train, test = fd001
    reg = UnitRegressor(model="dcnn", window=30, **{**FAST, "epochs": 1}).fit(train, group="unit", target="rul")
    assert reg.net_.backbone.dense.mode == "flatten"  # built for 30 rows: the paper's flatten, not a masked mean
    short = test.groupby("unit").head(12)  # every unit shorter than the window
    assert len(reg.predict(short)) == short["unit"].nunique()
    values = torch.arange(10, dtype=torch.float32).view(10, 1)  # one unit of 4 rows, then one of 6
    gather = GroupWindowGather(values, torch.tensor([4] * 4 + [10] * 6), None, window=5, masked=False, edge_pad=True)
    assert gather.inputs(torch.tensor([0, 4])).squeeze(-1).tolist() == [[0, 0, 1, 2, 3], [4, 5, 6, 7, 8]]


def test_fold_ids_are_balanced_and_stratified():
    from cnnlstm.data.prepare.sequences import fold_ids

    labels = np.array([0] * 10 + [1] * 5)
    ids = fold_ids(15, 5, seed=0, labels=labels)
    assert np.bincount(ids).tolist() == [3, 3, 3, 3, 3]
    assert all(np.bincount(ids[labels == 1], minlength=5).tolist() == [1] * 5 for _ in [0])
    assert np.bincount(fold_ids(7, 3, seed=1), minlength=3).tolist() in ([3, 2, 2], [2, 3, 2], [2, 2, 3])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_a_bad_n_estimators_is_refused_with_the_fix(italy, bad):
    (X, y), _ = italy
    with pytest.raises(ValueError, match=rf"`n_estimators` must be a positive integer.*Received: n_estimators={bad!r}"):
        Classifier(model="cnn", n_estimators=bad, **FAST, **SMALL["cnn"]).fit(X[:20], y[:20])


# -----------------------------------------------------------------------------
# bad input


def test_unseen_test_label_is_named(italy):
    (X, y), _ = italy
    clf = Classifier(model="cnn", **FAST, **SMALL["cnn"]).fit(X, y)
    bad = y[:10].copy()
    bad[3] = "7"
    with pytest.raises(ValueError, match=r"labels never seen in training: \['7'\]\. Known labels: \['1', '2'\]"):
        clf.score(X[:10], bad)


def test_channel_count_mismatch_between_fit_and_predict(italy):
    (X, y), _ = italy
    clf = Classifier(model="cnn", **FAST, **SMALL["cnn"]).fit(X, y)
    with pytest.raises(ValueError, match=r"number of channels the model was fitted on: \(1,\)\. Received: \(3,\)"):
        clf.predict(np.repeat(X[:4], 3, axis=2))


def test_nan_inside_a_sequence_is_located():
    X = np.random.default_rng(0).normal(size=(6, 10, 2))
    X[4, 7, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf in sequence 4 at step 7\. Fix: impute"):
        Classifier(model="cnn", **FAST).fit(X, [0, 1] * 3)


def test_empty_labels_and_single_class_are_refused():
    X = np.random.default_rng(0).normal(size=(6, 10, 1))
    with pytest.raises(ValueError, match=r"empty labels \(None, NaN or ''\) at positions \[2\]"):
        Classifier(model="cnn", **FAST).fit(X, np.array(["a", "b", "", "a", "b", "a"]))
    with pytest.raises(ValueError, match=r"at least two classes\. Received: only \['a'\]"):
        Classifier(model="cnn", **FAST).fit(X, ["a"] * 6)


def test_linear_refuses_variable_length_and_longer_sequences(vowels, italy):
    X, y = vowels
    with pytest.raises(ValueError, match=r"`model='linear'` needs sequences of one length.*from 7 to"):
        Classifier(model="linear", **FAST).fit(X, y)
    (X, y), _ = italy
    clf = Classifier(model="linear", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"built for sequences of exactly 24 steps\. Received: lengths from 30 to 30"):
        clf.predict(np.zeros((2, 30, 1)))


def test_lstm_fcn_shuffles_dimensions_on_equal_lengths_and_reads_any_length_otherwise(vowels, italy):
    (X, y), _ = italy  # 24 steps each: built for that window, the LSTM reads 1 step of 24 values
    clf = Classifier(model="lstm_fcn", filters=8, hidden_size=8, **FAST).fit(X, y)
    assert clf.window_ == 24 and clf.net_.backbone.encoder.lstm.input_size == 24
    with pytest.raises(ValueError, match=r"built for sequences of exactly 24 steps"):
        clf.predict(np.zeros((2, 30, 1)))
    X, y = vowels  # lengths vary: no shuffle, the LSTM reads the 12 channels step by step
    clf = Classifier(model="lstm_fcn", filters=8, hidden_size=8, **FAST).fit(X, y)
    assert clf.window_ is None and clf.net_.backbone.encoder.lstm.input_size == 12


def test_other_models_take_sequences_longer_than_any_seen(italy):
    (X, y), _ = italy
    clf = Classifier(model="cnn_lstm", **FAST, **SMALL["cnn_lstm"]).fit(X, y)
    assert clf.predict(np.random.default_rng(0).normal(size=(3, 200, 1))).shape == (3,)


def test_wrong_input_kind_names_the_suitable_models(italy):
    (X, y), _ = italy
    with pytest.raises(ValueError, match=r"`model` 'lrcn' takes frames.*Fix: pick one of: cnn, lstm"):
        Classifier(model="lrcn", **FAST).fit(X, y)


def test_frames_of_different_sizes_are_refused():
    frames = [np.zeros((4, 1, 8, 8)), np.zeros((5, 1, 8, 9))]
    with pytest.raises(ValueError, match=r"same frame size.*\(1, 8, 8\).*\(1, 8, 9\)"):
        as_sequences(frames)


# -----------------------------------------------------------------------------
# transfer learning


def test_frozen_encoder_does_not_move_and_fine_tuning_starts_from_it(tmp_path, italy):
    (X, y), _ = italy
    source = Classifier(model="cnn_lstm", **FAST, **SMALL["cnn_lstm"]).fit(X, y)
    source.save(tmp_path / "source")
    saved = source.net_.encoder_state()
    # the target task: another problem with the same channel count (GunPoint, 150 steps, 2 classes)
    Xg, yg = datasets.load("GunPoint", split="train")
    frozen = Classifier(model="cnn_lstm", encoder=tmp_path / "source", freeze_encoder=True, **FAST,
                        **SMALL["cnn_lstm"]).fit(Xg, yg)
    for key, value in frozen.net_.encoder_state().items():  # weights and batch-norm statistics alike
        torch.testing.assert_close(value, saved[key], rtol=0, atol=0)
    assert all(not p.requires_grad for p in frozen.net_.encoder_parameters())
    fresh_head = Classifier(model="cnn_lstm", **FAST, **SMALL["cnn_lstm"]).fit(Xg, yg)
    assert not torch.equal(frozen.net_.backbone.head.weight, fresh_head.net_.backbone.head.weight)
    # fine-tuning: with a vanishing learning rate the encoder stays where the saved one was
    tuned = Classifier(model="cnn_lstm", encoder=tmp_path / "source", lr=1e-12, weight_decay=0.0, **{**FAST, "epochs": 1},
                       **SMALL["cnn_lstm"]).fit(Xg, yg)
    weight = "conv.convs.0.weight"
    torch.testing.assert_close(tuned.net_.encoder_state()[weight], saved[weight], atol=1e-9, rtol=0)
    assert tuned.net_.backbone.conv.convs[0].weight.requires_grad


def test_encoder_errors(tmp_path, italy):
    (X, y), _ = italy
    with pytest.raises(ValueError, match=r"`freeze_encoder=True` needs a pre-trained encoder"):
        Classifier(model="cnn", freeze_encoder=True, **FAST).fit(X, y)
    with pytest.raises(FileNotFoundError, match=r"`encoder` must be a folder written by an estimator's save"):
        Classifier(model="cnn", encoder=tmp_path / "nothing", **FAST).fit(X, y)
    Classifier(model="cnn", **FAST, **SMALL["cnn"]).fit(X, y).save(tmp_path / "cnn")
    with pytest.raises(ValueError, match=r"is a 'cnn' model; this estimator builds model='lstm'"):
        Classifier(model="lstm", encoder=tmp_path / "cnn", **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"weight 'conv.convs.0.weight' is \(8, 1, 3\) there and \(8, 3, 3\) here"):
        Classifier(model="cnn", encoder=tmp_path / "cnn", **FAST, **SMALL["cnn"]).fit(np.repeat(X, 3, axis=2), y)


def test_a_forecaster_encoder_transfers_to_a_classifier(tmp_path, italy):
    (X, y), _ = italy
    series = pd.DataFrame({"y": np.sin(np.arange(300) / 5.0) + 0.1 * np.random.default_rng(0).normal(size=300)})
    forecaster = cnnlstm.Forecaster(model="lstm", window=24, horizon=4, epochs=2, device="cpu", progress=False,
                                    hidden_size=8).fit(series)
    forecaster.save(tmp_path / "forecaster")
    clf = Classifier(model="lstm", encoder=tmp_path / "forecaster", freeze_encoder=True, hidden_size=8, **FAST).fit(X, y)
    saved = forecaster.net_.backbone.state_dict()
    torch.testing.assert_close(clf.net_.encoder_state()["encoder.lstm.weight_hh_l0"], saved["encoder.lstm.weight_hh_l0"])


# -----------------------------------------------------------------------------
# regression and remaining useful life


def test_rul_windows_and_last_cycle_targets_on_a_toy_fleet():
    # unit 1: 5 cycles, unit 2: 2 cycles (shorter than the window); window 3
    fleet = pd.DataFrame({"unit": [1, 1, 1, 1, 1, 2, 2], "cycle": [1, 2, 3, 4, 5, 1, 2],
                          "s": [10.0, 11, 12, 13, 14, 20, 21], "rul": [4, 3, 2, 1, 0, 7, 6]})
    series = group_frame(fleet, group="unit", features=["s"], target="rul", sort_by="cycle")
    rows = series.window_rows(3)
    assert rows.tolist() == [0, 1, 2, 5]  # windows (0,1,2) (1,2,3) (2,3,4) and the short (5,6)
    assert series.lengths(rows, 3).tolist() == [3, 3, 3, 2]
    assert series.last_rows(3).tolist() == [2, 5]
    gather = GroupWindowGather(torch.as_tensor(series.values), torch.as_tensor(series.unit_end),
                               torch.as_tensor(series.target), window=3, masked=True)
    (x, lengths), target = gather(torch.as_tensor(rows))
    assert x[:, :, 0][:3].tolist() == [[10, 11, 12], [11, 12, 13], [12, 13, 14]]
    assert x[3, :2, 0].tolist() == [20, 21] and lengths.tolist() == [3, 3, 3, 2]
    assert target.tolist() == [2, 1, 0, 6]  # the RUL at each window's last cycle


def test_rul_protocol_on_fd001(fd001, tmp_path):
    train, test = fd001
    rul = UnitRegressor(model="cnn_lstm", epochs=2, device="cpu", progress=False, filters=8, hidden_size=8)
    rul.fit(train, group="unit", target="rul")
    assert rul.window == 30  # the C-MAPSS convention, by default
    assert rul.protocol_ == "rul" and rul.preparation_.time_col_ == "cycle"
    assert "s1" not in rul.features_ and "setting1" not in rul.features_ and "s2" in rul.features_  # s1 is constant
    assert rul.preparation_.scaler_.centres_.shape[0] == 1  # FD001 flies one operating condition
    scores = rul.evaluate(test)
    assert set(scores) == {"rmse", "mae", "r2", "rmse_capped", "score"} and scores["rmse"] > 0
    predictions = rul.predict(test)
    assert predictions["unit"].tolist() == list(range(1, 9))
    last = rul.last_cycle(test)  # the true RUL at each engine's last cycle, beside the same predictions
    assert last["true"].tolist() == test.sort_values("cycle").groupby("unit")["rul"].last().tolist()
    np.testing.assert_allclose(last["prediction"], predictions["prediction"])
    trajectory = rul.predict(test, every_window=True)
    assert len(trajectory) == sum(max(1, n - 29) for n in test.groupby("unit").size())
    rul.save(tmp_path / "rul")
    again = cnnlstm.load(tmp_path / "rul", device="cpu")
    pd.testing.assert_frame_equal(again.predict(test), predictions)


def test_training_targets_are_capped(fd001):
    train, _ = fd001
    rul = UnitRegressor(model="lstm", window=30, epochs=1, rul_cap=100, device="cpu", progress=False, hidden_size=4)
    rul.fit(train, group="unit", target="rul")
    series = rul.preparation_.transform(train)
    assert series.target.max() > 100  # the raw target is uncapped ...
    assert rul.target_mean_ < 100  # ... the one trained on is capped at rul_cap


def test_fd002_has_six_conditions_and_short_test_engines():
    train = datasets.load("cmapss-fd002", split="train")
    test = datasets.load("cmapss-fd002", split="test")
    short = test.groupby("unit").size().loc[lambda n: n < 30].index[:3]
    rul = UnitRegressor(model="cnn", window=30, epochs=1, device="cpu", progress=False, filters=4)
    rul.fit(train[train["unit"] <= 20], group="unit", target="rul")
    assert rul.preparation_.scaler_.centres_.shape[0] == 6
    assert len(rul.predict(test[test["unit"].isin(short)])) == 3


def test_sequence_regression_on_arrays(italy):
    (X, _), _ = italy
    y = X[:, :, 0].mean(axis=1) * 10  # a real series' own level: learnable
    reg = Regressor(model="cnn", epochs=20, batch_size=16, device="cpu", progress=False, filters=8).fit(X, y)
    scores = reg.evaluate(X, y)
    assert set(scores) == {"rmse", "mae", "r2"}
    assert reg.predict(X[:3]).shape == (3,)
    with pytest.raises(ValueError, match=r"one finite number \(or vector, or frame\) per sequence: shape \(67,\)"):
        Regressor(model="cnn", **FAST).fit(X, y[:10])


def test_units_rows_through_regressor_still_work_with_a_deprecation_warning(fd001, tmp_path):
    train, test = fd001
    old = Regressor(model="cnn", window=20, epochs=1, device="cpu", progress=False, filters=4)
    with pytest.warns(DeprecationWarning, match="UnitRegressor"):
        old.fit(train, group="unit", target="rul")
    new = UnitRegressor(model="cnn", window=20, epochs=1, device="cpu", progress=False, filters=4)
    new.fit(train, group="unit", target="rul")
    pd.testing.assert_frame_equal(old.predict(test), new.predict(test))  # the same work, handed over
    assert old.evaluate(test) == new.evaluate(test) and old.last_cycle(test).shape == (8, 3)
    old.save(tmp_path / "old")
    assert type(cnnlstm.load(tmp_path / "old")).__name__ == "UnitRegressor"


def test_unit_settings_on_whole_sequences_are_explained(italy):
    (X, _), _ = italy
    with pytest.raises(ValueError, match=r"`window` applies to windows of units' rows.*UnitRegressor"):
        Regressor(model="cnn", window=30, **FAST).fit(X, X[:, 0, 0])


# -----------------------------------------------------------------------------
# image sequences through the estimators


def test_image_sequences_classify_and_predict_the_next_frame(tmp_path):
    from cnnlstm.data.sources.moving_digits import make_moving_digits

    digits = make_moving_digits(48, num_frames=4, canvas=12, seed=0)
    clf = Classifier(model="lrcn", filters=4, hidden_size=8, **FAST).fit(digits.X, digits.direction)
    assert clf.feature_shape_ == [1, 12, 12] and clf.predict(digits.X[:3]).shape == (3,)
    with pytest.raises(ValueError, match=r"frame shape \(C, H, W\) the model was fitted on: \(1, 12, 12\)"):
        clf.predict(np.zeros((2, 5, 1, 16, 16), np.float32))
    nxt = Regressor(model="conv_lstm", head="next_frame", hidden_channels=4, num_layers=1, **FAST)
    nxt.fit(digits.X, digits.next_frame)
    frames = nxt.predict(digits.X[:2])
    assert frames.shape == (2, 1, 12, 12)
    nxt.save(tmp_path / "next")
    np.testing.assert_allclose(cnnlstm.load(tmp_path / "next", device="cpu").predict(digits.X[:2]), frames, atol=1e-6)
    with pytest.raises(ValueError, match=r"head='next_frame' predicts a frame of the input's size \(12, 12\)"):
        Regressor(model="conv_lstm", head="next_frame", **FAST).fit(digits.X, digits.digit)
