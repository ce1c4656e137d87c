"""Keras' habits on our models: Sequential.add, compile, fit, evaluate, predict, history.history.

The first tests are the lectures' Keras programs, written as a learner would, that must learn."""
import numpy as np
import pytest

import tinygrad_edu as tg
from test_device import device  # noqa: F401  (the fixture: a fake GPU everywhere, the real one if present)
from tinygrad_edu import nn, optim
from tinygrad_edu.data import load_digits, study_sleep
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import keras
from tinygrad_edu.train import EarlyStopping

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def two_three_one():
    model = nn.Sequential()
    model.add(nn.Linear(2, 3))
    model.add(nn.Sigmoid())
    model.add(nn.Linear(3, 1))
    model.add(nn.Sigmoid())
    return model


def blobs(n=60, seed=0):
    """Three well-separated clusters in 2-D: (x, integer labels, one-hot rows)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    x = (np.eye(3)[labels][:, :2] * 4 + rng.normal(0, 0.3, (n, 2))).astype(np.float32)
    return x, labels, np.eye(3, dtype=np.float32)[labels]


# ---------------------------------------------------------------------- the lectures' programs


@pytest.mark.parametrize("loss, lr", [("mse", 2.0), ("binary_crossentropy", 1.0)])
def test_the_2_3_1_network_learns_xor(loss, lr):
    tg.manual_seed(0)
    model = two_three_one()
    model.compile(optimizer=optim.SGD(model.parameters(), lr=lr), loss=loss, metrics=["accuracy"])
    history = model.fit(XOR_X, XOR_Y, epochs=2000, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 20
    assert (model.predict(XOR_X) > 0.5).astype(int).ravel().tolist() == [0, 1, 1, 0]
    assert history.history["accuracy"][-1] == 1.0  # one sigmoid output: Keras' binary accuracy


def test_the_study_sleep_network_with_keras_sgd():
    hours, scores = study_sleep()
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
    model.compile(optimizer="sgd", loss="mean_squared_error")
    history = model.fit(hours, scores, epochs=1000, batch_size=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    assert model.evaluate(hours, scores) < 0.01


def test_softmax_regression_on_digits_with_one_hot_labels():
    x, labels = load_digits()
    y = F.one_hot(labels, 10).numpy()  # keras.utils.to_categorical(labels, 10)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 10), nn.Softmax())
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=40, batch_size=32, validation_split=0.2, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["accuracy"][-1] > 0.9 and history.history["val_accuracy"][-1] > 0.8
    loss, accuracy = model.evaluate(x, y)
    assert accuracy > 0.9


def test_softmax_regression_with_integer_labels():
    x, labels, _ = blobs()
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Softmax())
    model.compile(optimizer=optim.Adam(model.parameters(), lr=0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, labels, epochs=30, batch_size=8, verbose=0)
    assert model.evaluate(x, labels)[1] == 1.0
    assert (model.predict(x).argmax(axis=1) == labels).all()


# ---------------------------------------------------------------------- compile


@pytest.mark.parametrize("name, cls, lr", [("sgd", optim.SGD, 0.01), ("adam", optim.Adam, 0.001),
                                           ("rmsprop", optim.RMSprop, 0.001), ("Adagrad", optim.Adagrad, 0.001)])
def test_optimizer_names_and_classes_get_keras_learning_rates(name, cls, lr):
    for optimizer in (name, cls):
        model = two_three_one()
        model.compile(optimizer=optimizer, loss="mse")
        built = model._keras_compiled.optimizer
        assert type(built) is cls and built.param_groups[0]["lr"] == lr
        assert [id(p) for p in built.param_groups[0]["params"]] == [id(p) for p in model.parameters()]


def test_an_optimizer_class_keras_has_no_default_for_keeps_its_own():
    model = two_three_one()
    model.compile(optimizer=optim.AdamW, loss="mse")
    group = model._keras_compiled.optimizer.param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (1e-3, 1e-2)


def test_an_optimizer_instance_is_used_as_it_is():
    model = two_three_one()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    model.compile(optimizer=opt, loss="mse")
    assert model._keras_compiled.optimizer is opt
    with pytest.raises(ValueError, match="none of this model's parameters"):
        two_three_one().compile(optimizer=opt, loss="mse")


def test_bad_names_are_clear_errors():
    model = two_three_one()
    with pytest.raises(ValueError, match=r"unknown optimizer 'sgdd'.*'adagrad', 'adam', 'rmsprop', 'sgd'"):
        model.compile(optimizer="sgdd", loss="mse")
    with pytest.raises(ValueError, match=r"unknown loss 'crossentropy'.*'binary_crossentropy'"):
        model.compile(optimizer="sgd", loss="crossentropy")
    with pytest.raises(ValueError, match=r"unknown metrics \['acc'\]"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acc"])
    with pytest.raises(TypeError, match="optimizer must be"):
        model.compile(optimizer=0.01, loss="mse")


def test_using_a_model_before_compile_is_a_clear_error():
    model = two_three_one()
    with pytest.raises(RuntimeError, match=r"fit: Sequential is not compiled yet; call model.compile"):
        model.fit(XOR_X, XOR_Y)
    with pytest.raises(RuntimeError, match="evaluate: Sequential is not compiled"):
        model.evaluate(XOR_X, XOR_Y)
    assert model.predict(XOR_X).shape == (4, 1)  # as in Keras, predict needs no compile


def test_sequential_add_returns_none_and_registers_the_layer():
    model = nn.Sequential(nn.Linear(2, 3))
    assert model.add(nn.Linear(3, 1)) is None
    assert len(model) == 2 and len(list(model.parameters())) == 4


# ---------------------------------------------------------------------- the losses


def test_losses_follow_keras_formulas_and_clipping():
    p = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]], dtype=np.float32)
    labels = np.array([0, 0])
    t = np.eye(3, dtype=np.float32)[labels]
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    expected = -np.log(clipped[[0, 1], labels]).mean()  # p = 0 costs -log(1e-7), finite
    out = tg.Tensor(p)
    assert keras.categorical_crossentropy(out, t).item() == pytest.approx(expected, rel=1e-5)
    assert keras.sparse_categorical_crossentropy(out, labels).item() == pytest.approx(expected, rel=1e-5)
    bce = -(t * np.log(clipped) + (1 - t) * np.log(1 - clipped)).mean()
    assert keras.binary_crossentropy(out, t).item() == pytest.approx(bce, rel=1e-5)
    assert keras.mean_squared_error(out, t).item() == pytest.approx(((p - t) ** 2).mean(), rel=1e-6)
    assert keras.LOSSES["mse"] is keras.LOSSES["mean_squared_error"]


def test_loss_gradient_reaches_the_model():
    out = tg.Tensor(np.array([[0.5, 0.5]], dtype=np.float32), requires_grad=True)
    keras.categorical_crossentropy(out, np.array([[1.0, 0.0]])).backward()
    assert out.grad.numpy() == pytest.approx(np.array([[-2.0, 0.0]]), rel=1e-5)  # d(-log p0)/dp0 = -1/p0


@pytest.mark.parametrize("loss", sorted(keras.LOSSES))
def test_each_loss_trains_on_another_device_as_on_the_cpu(loss, device):  # noqa: F811
    x, labels, y = blobs()
    target = labels if loss.startswith("sparse") else y
    losses = []
    for where in ("cpu", device):
        model = nn.Sequential(nn.Linear(2, 3, generator=0), nn.Softmax()).to(where)
        model.compile(optimizer="adam", loss=loss)
        losses.append(model.fit(x, target, epochs=2, shuffle=False, verbose=0).history["loss"])
    assert losses[1] == pytest.approx(losses[0], rel=1e-5)
    direct = keras.LOSSES[loss](model(tg.Tensor(x, device=device)), target)  # NumPy targets follow the output
    assert direct.device == "cuda:0" and direct.item() == pytest.approx(model.evaluate(x, target), rel=1e-5)


def test_loss_shape_errors_name_the_loss():
    out = tg.Tensor(np.full((2, 3), 1 / 3, dtype=np.float32))
    with pytest.raises(ValueError, match="categorical_crossentropy: .*use sparse_categorical_crossentropy"):
        keras.categorical_crossentropy(out, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: labels of shape \(2, 1\)"):
        keras.sparse_categorical_crossentropy(out, np.array([[0], [1]]))


def test_targets_of_shape_n_fit_a_single_output_as_in_keras():
    out = tg.Tensor(np.array([[0.2], [0.9]], dtype=np.float32))
    assert keras.mean_squared_error(out, np.array([0, 1])).item() == pytest.approx((0.04 + 0.01) / 2)


def test_a_loss_function_of_our_own():
    x, labels, _ = blobs()
    model = nn.Sequential(nn.Linear(2, 3, generator=0))
    model.compile(optimizer="adam", loss=F.cross_entropy)  # logits, PyTorch style
    assert isinstance(model.evaluate(x, labels), float)


# ---------------------------------------------------------------------- fit, evaluate, predict


def test_history_is_keras_dict_and_a_second_fit_continues():
    x, _, y = blobs()
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Softmax())
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    first = model.fit(x, y, epochs=3, validation_data=(x, y), verbose=0)
    assert isinstance(first.history, dict)
    assert list(first.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert first.epoch == [0, 1, 2] and all(len(v) == 3 for v in first.history.values())
    second = model.fit(x, y, epochs=2, verbose=0)
    assert second.epoch == [0, 1] and list(second.history) == ["loss", "accuracy"]
    assert second.history["loss"][0] < first.history["loss"][-1]  # the weights were kept


def test_validation_split_holds_out_the_last_fraction():
    x, _, y = blobs(40)
    model = nn.Sequential(nn.Linear(2, 3, generator=0), nn.Softmax())
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    history = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[-10:], y[-10:]))


def test_fit_takes_callbacks_such_as_early_stopping():
    x, _, y = blobs()
    model = nn.Sequential(nn.Linear(2, 3, generator=0), nn.Softmax())
    model.compile(optimizer=optim.SGD(model.parameters(), lr=0.0), loss="categorical_crossentropy")
    stop = EarlyStopping(monitor="val_loss", patience=2)
    assert stop.restore_best_weights  # unlike Keras, whose default is False
    history = model.fit(x, y, epochs=50, validation_split=0.2, callbacks=[stop], verbose=0)
    assert len(history.epoch) == 3 and stop.stopped_epoch == 3  # lr 0: nothing improves


def test_evaluate_and_predict_return_keras_types():
    x, labels, y = blobs()
    model = nn.Sequential(nn.Linear(2, 3, generator=0), nn.Softmax())
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    assert isinstance(model.evaluate(x, y), float)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    result = model.evaluate(x, y, batch_size=7)
    assert isinstance(result, list) and len(result) == 2 and all(isinstance(v, float) for v in result)
    predictions = model.predict(x, batch_size=7)
    assert isinstance(predictions, np.ndarray) and predictions.shape == (60, 3)
    assert predictions.sum(axis=1) == pytest.approx(np.ones(60), rel=1e-5)
    assert result[1] == pytest.approx((predictions.argmax(axis=1) == labels).mean())


def test_verbose_levels(capsys):
    x, _, y = blobs()
    model = nn.Sequential(nn.Linear(2, 3, generator=0), nn.Softmax())
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y)
    assert capsys.readouterr() == ("", "")
    model.fit(x, y, epochs=3, validation_split=0.2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[2].startswith("Epoch 3/3 - loss: ")
    assert [part.split(": ")[0] for part in lines[0].split(" - ")[1:]] == ["loss", "accuracy", "val_loss",
                                                                         "val_accuracy"]
    model.fit(x, y, epochs=2, verbose=1)  # the progress bar shows only in a terminal
    assert [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()] == ["Epoch 1/2", "Epoch 2/2"]
    model.evaluate(x, y, verbose=1)
    assert capsys.readouterr().out.startswith("loss: ")
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2"):
        model.fit(x, y, verbose=3)


def test_manual_seed_repeats_a_fit():
    x, _, y = blobs()
    runs = []
    for _ in range(2):
        tg.manual_seed(3)
        model = nn.Sequential(nn.Linear(2, 3), nn.Softmax())
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        runs.append(model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"])
    assert runs[0] == runs[1]
