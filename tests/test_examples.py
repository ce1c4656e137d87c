"""Every example runs end to end in its fast mode, and says what the lecture says."""
import importlib
import os
import re
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

def run(name, tmp_path):
    """Run an example that writes figures in its fast mode, into tmp_path."""
    return importlib.import_module(name).main(["--fast", "--out", str(tmp_path)])


def test_ex01_central_differences_and_learning_rates(tmp_path):
    r = run("ex01_numerical_differentiation", tmp_path)
    assert r["central error at 5.0"] < 1e-11 < 1e-7 < r["forward error at 5.0"]
    assert np.abs(r["descent lr=0.1"]).max() < 0.1          # converges
    assert np.abs(r["descent lr=10.0"]).max() > 1e6          # too big: diverges
    assert np.allclose(r["descent lr=1e-10"], [-3, 4], atol=1e-6)  # too small: stays
    assert (tmp_path / "ex01_gradient_field.png").exists()


def test_ex02_numerical_and_backprop_gradients_agree():
    r = importlib.import_module("ex02_numerical_vs_backprop").main(["--fast", "--steps", "1"])
    assert max(r["differences"].values()) < 1e-8 and r["speedup"] > 50


def test_ex03_the_2_3_1_network_fits_the_scores():
    r = importlib.import_module("ex03_study_sleep_regression").main(["--fast"])
    assert r["mse"] < 5e-3 and r["sequential_mse"] < 5e-3  # fast mode: 1,000 of the 10,000 iterations
    np.testing.assert_allclose(r["predictions"], [75, 82, 93], atol=8)


def test_ex04_softmax_regression_and_both_cross_entropies():
    r = importlib.import_module("ex04_softmax_regression_mnist").main(["--fast"])
    assert r["binary"] == pytest.approx(r["one_hot"], rel=1e-6) and r["accuracy"] > 0.85


def test_ex05_batch_sizes_and_schedules(tmp_path):
    r = run("ex05_batch_sizes_and_schedules", tmp_path)
    assert r["mini-batch 64"] > 0.7 and r["schedule: linear to 1e-4"] > 0.7  # fast: 2 epochs, 2,000 samples
    assert (tmp_path / "ex05_loss_curves.png").exists()


def test_ex06_overfitting_and_its_remedies(tmp_path):
    r = run("ex06_overfitting", tmp_path)
    train_acc, test_acc = r["plain"]
    assert train_acc > test_acc and test_acc > 0.75
    assert all(r[k][1] > 0.7 for k in ("early stopping", "augmentation", "dropout"))


def test_ex07_optimizer_paths_and_mnist_comparison(tmp_path):
    r = run("ex07_optimizers", tmp_path)
    assert all(np.abs(p[-1]).max() < 1.5 for p in r["paths"].values())
    losses = r["final_losses"]
    assert losses["Adam"] < losses["SGD"] and losses["Momentum"] < losses["SGD"]


def test_ex08_initialisation_spreads(tmp_path):
    r = run("ex08_weight_initialisation", tmp_path)
    spread = r["spread"]
    assert spread[("sigmoid", "std 0.01")][-1] < 0.02 < spread[("sigmoid", "Xavier")][-1]  # collapsed vs spread
    assert spread[("relu", "std 0.01")][-1] < 1e-5 < spread[("relu", "He")][-1]
    assert r["final_losses"]["He"] < r["final_losses"]["std 0.01"]


def test_ex09_batch_norm_helps_and_passes_gradcheck(tmp_path):
    r = run("ex09_batch_normalisation", tmp_path)
    assert r["gradcheck"] and r["wins"] >= r["scales"] // 2


def test_ex10_regularisation_narrows_the_gap():
    r = importlib.import_module("ex10_weight_decay_and_dropout").main(["--fast"])
    gap = {k: train - test for k, (train, test) in r.items()}
    assert gap["no regularisation"] > 0 and gap["weight decay 0.1"] < gap["no regularisation"]
    assert gap["dropout 0.2"] < gap["no regularisation"]


def test_ex11_search_lists_trials_best_first(tmp_path):
    trials = run("ex11_hyperparameter_search", tmp_path)["trials"]
    scores = [t["val_accuracy"] for t in trials]
    assert len(trials) == 8 and scores == sorted(scores, reverse=True)
    assert all(1e-6 <= t["lr"] <= 1e-2 and 1e-8 <= t["weight_decay"] <= 1e-4 for t in trials)


def test_ex12_convnet_learns():
    assert importlib.import_module("ex12_convnet").main(["--fast"])["test_accuracy"] > 0.7


def test_ex13_custom_op_workflow(tmp_path):
    r = run("ex13_custom_op", tmp_path)
    assert r["caught"] is not None and "input 0" in r["caught"]
    x = np.array([-1.0, 0.5, 2.0])
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(r["grad"], 2 * (s + x * s * (1 - s)), rtol=1e-10)


def test_ex14_newton_beats_gradient_descent(tmp_path):
    r = run("ex14_second_derivatives", tmp_path)
    assert r["newton_steps"] == 7 and r["descent_steps"] > 100
    assert r["newton"][:3] == pytest.approx([2.0, 1.4545454545, 1.1510467894])  # DeZero's step 33


def test_ex15_lstm_learns_the_sine_wave(tmp_path, capsys):
    r = run("ex15_lstm_sine_wave", tmp_path)
    printed = capsys.readouterr().out
    first, last = map(float, re.search(r"training loss ([\d.]+) -> ([\d.]+)", printed).groups())
    mse, baseline = map(float, re.search(r"the next \d+: MSE ([\d.]+); baseline x_\(t\+1\) = x_t: MSE ([\d.]+)",
                                         printed).groups())
    assert last < first / 10 and (first, last) == pytest.approx((r["losses"][0], r["losses"][-1]), abs=1e-5)
    assert mse < baseline / 10 and r["mse"] < r["baseline"] / 10  # fast mode: about 380 times lower
    assert r["free_mse"] < r["held_mse"]  # fed its own predictions, it still follows the wave
    assert (tmp_path / "ex15_loss_curve.png").exists() and (tmp_path / "ex15_predictions.png").exists()


def test_ex16_char_transformer_runs(tmp_path, capsys):
    r = run("ex16_char_transformer", tmp_path)
    out = capsys.readouterr().out
    assert "bigram (previous character only" in out and f"vs bigram {r['bigram']:.4f} nats" in out
    assert f"val loss: transformer {r['val_loss']:.4f}" in out and "sample (temperature 0.8):" in out
    assert 2.0 < r["bigram"] < 3.0 < r["val_loss"] < r["losses"][0]  # fast mode: 40 steps fall short of the bigram
    assert np.mean(r["losses"][-5:]) < r["losses"][0] - 0.5  # the loss fell from its first value
    assert len(r["sample"]) == 60 and r["graph"] in out and os.path.exists(r["graph"])
    assert r["graph"].endswith(("ex16_attention_head.svg", "ex16_attention_head.dot"))
