"""The compiled step (``engine/nn/compiled``) computes NumPy's bits, and steps aside
where it would not: its sums and products against NumPy's, whole passes of every
activation and loss it covers, whole metrics files of presets, and the checks that keep a
network on NumPy."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace

import numpy as np
import pytest
from metrics_files import metrics_rows

from nnterm.engine import MLP
from nnterm.engine.nn import compiled, flat
from nnterm.engine.nn.compiled import coverage, kernels, plan, products
from nnterm.engine.nn.network import EVERYTHING, TRACE, numpy_pass
from nnterm.engine.nn.optimizers import make_optimizer

#: One worker runs these: the first to load the kernels in a fresh checkout compiles them
#: (about 11 s of a core), and each worker that loaded them at once would compile its own.
pytestmark = pytest.mark.xdist_group("compiled_step")


@pytest.fixture
def at_once(monkeypatch):
    """Plans made at a network's first pass, not after ``WARM_PASSES``, the kernels
    loaded first."""
    assert compiled.load() is True
    monkeypatch.setattr(compiled, "WARM_PASSES", 0)
    monkeypatch.setattr(compiled, "LONG_RUN", 0)
    monkeypatch.setattr(compiled, "_enabled", True)


def batch(net: MLP, loss: str, rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, net.sizes[0]))
    if loss == "mse":
        return X, rng.normal(size=(rows, net.sizes[-1]))
    classes = 2 if loss == "sigmoid_mse" else net.sizes[-1]
    return X, rng.integers(0, classes, rows)


def assert_same_pass(one, other) -> None:
    assert one.loss == other.loss
    pairs = [(one.logits, other.logits), (one.dlogits, other.dlogits),
             *zip(one.grads, other.grads, strict=True),
             *zip(one.inputs, other.inputs, strict=True)]
    for h, k in zip(one.hidden, other.hidden, strict=True):
        pairs += [(h.z, k.z), (h.a, k.a)]
    for a, b in pairs:
        np.testing.assert_array_equal(a, b, strict=True)


@pytest.mark.parametrize("n", [*range(0, 140), 255, 256, 257, 1000, 4099])
def test_pairwise_sum_is_numpys(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, n)
    assert products.pairwise_sum(x, 0, n) == np.add.reduce(x)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity", "leaky_relu"])
@pytest.mark.parametrize("loss,sizes,rows", [("sigmoid_mse", (2, 8, 8, 1), 10),
                                             ("cross_entropy", (2, 32, 32, 3), 32),
                                             ("cross_entropy", (4, 8, 2), 1),
                                             ("mse", (3, 16, 16, 2), 20),
                                             # a hidden layer of one unit: dz W^T of
                                             # the layer above it has one column
                                             ("cross_entropy", (2, 1, 4, 2), 8),
                                             # the widest layers, in 8x8 vector blocks
                                             ("sigmoid_mse", (2, 64, 64, 1), 100),
                                             ("cross_entropy", (2, 64, 64, 2), 64),
                                             ("mse", (3, 96, 136, 5), 50),
                                             # odd widths: products BLAS sums in an
                                             # order of its own stay BLAS's
                                             ("cross_entropy", (3, 17, 9, 2), 33)])
def test_a_pass_on_the_kernels_is_numpys_bit_for_bit(at_once, activation, loss, sizes, rows):
    net = MLP(sizes, activation=activation, seed=3)
    for seed in range(3):  # the first pass makes the plan; the next ones use it
        X, y = batch(net, loss, rows, seed)
        taken = net.forward_backward(X, y, loss)
        assert_same_pass(taken, numpy_pass(net, X, y, loss, train=True))
    assert net.step_plans[(rows, loss, True)] is not None


def test_relu_at_zero_and_below_is_numpys(at_once):
    net = MLP((2, 8, 2), activation="relu", seed=0)
    net.params[1][:] = 0.0  # z = x W: half the units at exactly 0 or below on these points
    X = np.array([[0.0, 0.0], [1.0, -1.0], [-0.0, 2.0], [3.0, 0.5]])
    y = np.array([0, 1, 1, 0])
    for _ in range(2):
        assert_same_pass(net.forward_backward(X, y), numpy_pass(net, X, y, "cross_entropy",
                                                                train=True))


def test_a_network_steps_with_numpy_for_its_warm_up_and_while_the_kernels_load(monkeypatch):
    assert compiled.load() is True
    monkeypatch.setattr(compiled, "WARM_PASSES", 3)
    monkeypatch.setattr(compiled, "_enabled", True)
    net = MLP((2, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    key = (10, "sigmoid_mse", True)
    for count in (1, 2, 3):
        net.forward_backward(X, y, "sigmoid_mse")
        assert net.step_plans[key] == count
    monkeypatch.setattr(compiled, "_available", None)  # as while the thread loads them
    for _ in range(2):
        taken = net.forward_backward(X, y, "sigmoid_mse")
        assert net.step_plans[key] == 3
    assert_same_pass(taken, numpy_pass(net, X, y, "sigmoid_mse", train=True))
    monkeypatch.setattr(compiled, "_available", True)
    net.forward_backward(X, y, "sigmoid_mse")
    assert isinstance(net.step_plans[key], plan.StepPlan)


@pytest.mark.parametrize(("long_run", "on_kernels"), [(121, False), (120, True)])
def test_a_run_loads_the_kernels_only_if_it_plans_a_long_run(long_run, on_kernels,
                                                              monkeypatch):
    """A run of 120 steps steps on the kernels only when 120 steps count as long, and then
    from its first step: a script's warm-up (``WARM_PASSES``, 1,000) is not for a run
    whose length is known."""
    from nnterm.engine.preset_format.loader import load_preset
    from nnterm.engine.training.trainer import Trainer

    assert compiled.load() is True
    monkeypatch.setattr(compiled, "LONG_RUN", long_run)
    monkeypatch.setattr(compiled, "_enabled", True)
    config = load_preset("xor").config
    trainer = Trainer(replace(config, train=replace(config.train, steps=120)))
    trainer.run(steps=120)
    assert trainer.net.planned_passes == 120
    made = [p for p in trainer.net.step_plans.values() if not isinstance(p, int)]
    assert (made != [] and all(isinstance(p, plan.StepPlan) for p in made)) is on_kernels


def test_without_working_kernels_every_network_steps_with_numpy(monkeypatch):
    monkeypatch.setattr(compiled, "WARM_PASSES", 0)
    monkeypatch.setattr(compiled, "_enabled", True)
    monkeypatch.setattr(compiled, "load", lambda wait=True: False)  # as with no Numba
    net = MLP((2, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    net.forward_backward(X, y, "sigmoid_mse")
    assert net.step_plans[(10, "sigmoid_mse", True)] is None


def test_the_activations_covered_are_the_ones_the_kernels_write():
    assert set(coverage.ACTIVATIONS) == set(plan.FORWARD_CODE) == set(plan.DERIVATIVE_CODE)


def test_what_the_kernels_do_not_cover_steps_with_numpy(at_once):
    cases = [(MLP((2, 8, 2), activation="gelu"), "cross_entropy", 8),
             (MLP((2, 8, 2), activation="tanh", dropout=0.5), "cross_entropy", 8),
             (MLP((2, 8, 2), activation="tanh", frozen=[0]), "cross_entropy", 8),
             (MLP((2, 8, 1), activation="tanh"), "binary_cross_entropy", 8),
             (MLP((2, coverage.MAX_WIDTH + 1, 2), activation="tanh"), "cross_entropy", 8),
             (MLP((2, 8, 2), activation="tanh"), "cross_entropy", coverage.MAX_ROWS + 1),
             (MLP((2, 8, 2), activation="tanh", dtype="float32"), "cross_entropy", 8)]
    for net, loss, rows in cases:
        X, y = batch(net, loss, rows)
        net.forward_backward(X.astype(net.dtype), y, loss)
        assert net.step_plans[(rows, loss, True)] is None, (net.sizes, loss, rows)


def test_a_product_whose_bits_differ_stays_numpys(at_once, monkeypatch):
    """A product summed in another order (here: without fused multiply-adds, as on a
    machine whose BLAS does not fuse) is left to ``dot``; the pass stays NumPy's."""
    def unfused(a, b, out):
        out[...] = [[sum(float(a[i, k] * b[k, j]) for k in range(a.shape[1]))
                     for j in range(b.shape[1])] for i in range(a.shape[0])]

    monkeypatch.setattr(products, "product", unfused)
    monkeypatch.setattr(products, "transposed_product", lambda a, d, out: unfused(a.T, d, out))
    monkeypatch.setattr(products, "product_transposed", lambda a, b, out: unfused(a, b.T, out))
    layer = plan._layer_plan(10, 8, 8, np.random.default_rng(0))
    assert layer == plan.LayerPlan(False, False, False)


def test_a_plan_whose_first_pass_differs_is_not_kept(at_once, monkeypatch):
    def off_by_a_bit(t, y, squares, grad):
        total = sigmoid_mse(t, y, squares, grad)
        grad[0, 0] = np.nextafter(grad[0, 0], np.inf)
        return total

    sigmoid_mse = kernels.sigmoid_mse
    monkeypatch.setattr(kernels, "sigmoid_mse", off_by_a_bit)
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    taken = net.forward_backward(X, y, "sigmoid_mse")
    assert net.step_plans[(10, "sigmoid_mse", True)] is None
    assert_same_pass(taken, numpy_pass(net, X, y, "sigmoid_mse", train=True))


def test_copies_of_a_network_start_without_plans(at_once):
    net = MLP((2, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    net.forward_backward(X, y, "sigmoid_mse")
    assert net.step_plans
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert twin.step_plans == {}
        assert_same_pass(twin.forward_backward(X, y, "sigmoid_mse"),
                         net.forward_backward(X, y, "sigmoid_mse"))


def test_a_new_activation_or_dropout_makes_a_new_plan(at_once):
    net = MLP((2, 8, 2), activation="tanh", seed=0)
    X, y = batch(net, "cross_entropy", 10)
    net.forward_backward(X, y)
    net.set_activation("relu")
    assert net.step_plans == {}
    assert_same_pass(net.forward_backward(X, y), numpy_pass(net, X, y, "cross_entropy", True))
    net.set_dropout(0.5)
    net.forward_backward(X, y)
    assert net.step_plans[(10, "cross_entropy", True)] is None


@pytest.mark.parametrize("name,options", [("sgd", {}),
                                          ("sgd", {"momentum": 0.9, "nesterov": True}),
                                          ("sgd", {"weight_decay": 0.01}),
                                          ("adam", {}), ("adam", {"weight_decay": 0.01})])
def test_a_reused_pass_writes_the_same_arrays_again_and_leaves_the_others(at_once, name,
                                                                         options):
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    kept = net.forward_backward(X, y, "sigmoid_mse")  # a caller keeps this one
    first = net.forward_backward(X, y, "sigmoid_mse", reuse=EVERYTHING)
    X2, y2 = batch(net, "sigmoid_mse", 10, seed=1)
    second = net.forward_backward(X2, y2, "sigmoid_mse", reuse=EVERYTHING)
    assert all(a is b for a, b in zip(first.grads, second.grads, strict=True))
    assert second.hidden[0].a is first.hidden[0].a and second.dlogits is first.dlogits
    assert_same_pass(second, numpy_pass(net, X2, y2, "sigmoid_mse", train=True))
    assert_same_pass(kept, numpy_pass(net, X, y, "sigmoid_mse", train=True))
    # an optimizer gathers the reused gradients with one copy of the buffer they tile
    twin = copy.deepcopy(net)
    opt, twin_opt = (make_optimizer(name, lr=0.1, **options) for _ in range(2))
    before = [g.copy() for g in second.grads]
    for _ in range(2):
        opt.step(net.params, second.grads)
        twin_opt.step(twin.params, [g.copy() for g in second.grads])
    assert flat.tiled_buffer(second.grads) is not None
    for g, was in zip(second.grads, before, strict=True):  # the caller's gradients as given
        np.testing.assert_array_equal(g, was)
    for p, q in zip(net.params, twin.params, strict=True):
        np.testing.assert_array_equal(p, q)


# tanh, cross-entropy and Adam on four points (xor); relu, sigmoid and tanh beside gelu
# and silu, which stay NumPy's, at batch 32 (activations); SGD at three learning rates,
# 64 units wide, in vector blocks (learning_rate); tanh and squared error (universal_
# approximation)
@pytest.mark.parametrize("preset", ["xor", "activations", "learning_rate",
                                    "universal_approximation"])
def test_a_presets_metrics_file_on_the_kernels_is_numpys(preset, tmp_path, monkeypatch):
    made: list[object] = []
    make_plan = plan.make_plan

    def recorded(*args):
        made.append(make_plan(*args))
        return made[-1]

    assert compiled.load() is True
    monkeypatch.setattr(compiled, "WARM_PASSES", 0)
    monkeypatch.setattr(compiled, "LONG_RUN", 0)
    monkeypatch.setattr(plan, "make_plan", recorded)
    monkeypatch.setattr(compiled, "_enabled", True)
    on_kernels = metrics_rows(preset, tmp_path / "compiled.jsonl")
    monkeypatch.setattr(compiled, "_enabled", False)
    numpy_rows = metrics_rows(preset, tmp_path / "numpy.jsonl")
    assert any(p is not None for p in made), "no run of the preset stepped on the kernels"
    assert any(p is not None and p.kept is not None for p in made), "no pass reused arrays"
    assert len(on_kernels) > 4
    assert on_kernels == numpy_rows


def test_loss_and_grads_reuses_the_trace_but_hands_out_new_gradients(at_once):
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    X2, y2 = batch(net, "sigmoid_mse", 10, seed=1)
    _, first = net.loss_and_grads(X, y, "sigmoid_mse")
    loss, second = net.loss_and_grads(X2, y2, "sigmoid_mse")
    plan_made = net.step_plans[(10, "sigmoid_mse", True)]
    assert plan_made.kept is not None  # the trace went into the plan's arrays
    assert not any(a is b for a, b in zip(first, second, strict=True))
    for got, expected in zip(first, numpy_pass(net, X, y, "sigmoid_mse", True).grads,
                             strict=True):
        np.testing.assert_array_equal(got, expected, strict=True)
    reference = numpy_pass(net, X2, y2, "sigmoid_mse", True)
    assert loss == reference.loss
    for got, expected in zip(second, reference.grads, strict=True):
        np.testing.assert_array_equal(got, expected, strict=True)


def test_the_backward_pass_is_one_kernel_call_between_blas_products():
    on, blas = plan.LayerPlan(True, True, True), plan.LayerPlan(True, False, False)
    assert plan._backward_steps([on, on, on]) == [(2, 0, False, False)]
    # the middle layer's dW and da are BLAS's: taken once the call above wrote its dz
    assert plan._backward_steps([on, blas, on]) == [(2, 2, False, False), (1, 0, True, True)]
    assert plan._backward_steps([blas, on]) == [(1, 1, False, False), (0, 0, True, False)]
    assert plan._backward_steps([on, on, blas]) == [(2, 0, True, True)]


def test_blas_products_between_the_kernels_calls_give_numpys_pass(at_once, monkeypatch):
    """A layer whose products differ from BLAS's on a machine (forced here for the middle
    one) takes them from BLAS, into the pass's buffers, between two kernel calls."""
    same_products = plan._same_products

    def middle_differs(a, W, dz, asked):
        return [False] * 3 if W.shape == (16, 8) else same_products(a, W, dz, asked)

    monkeypatch.setattr(plan, "_same_products", middle_differs)
    net = MLP((2, 16, 8, 4, 3), activation="relu", seed=1)
    for seed in range(3):
        X, y = batch(net, "cross_entropy", 24, seed)
        assert_same_pass(net.forward_backward(X, y, reuse=EVERYTHING),
                         numpy_pass(net, X, y, "cross_entropy", train=True))
    made = net.step_plans[(24, "cross_entropy", True)]
    assert made.backward_steps == [(3, 2, False, False), (1, 0, True, True)]


def test_a_network_whose_parameters_were_swapped_steps_with_numpy(at_once):
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    net.forward_backward(X, y, "sigmoid_mse")
    made = net.step_plans[(10, "sigmoid_mse", True)]
    assert made is not None and made.run(net, X, y) is not None
    net.params[2] = net.params[2] * 2.0  # an array of the caller's, not a view of the buffer
    assert made.run(net, X, y) is None
    assert_same_pass(net.forward_backward(X, y, "sigmoid_mse"),
                     numpy_pass(net, X, y, "sigmoid_mse", train=True))


def test_gradients_say_which_buffer_they_tile_until_an_entry_is_replaced(at_once):
    net = MLP((2, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    for _ in range(2):  # the plan's first pass, then its own
        _, grads = net.loss_and_grads(X, y, "sigmoid_mse")
    buffer = flat.tiled_buffer(grads)
    assert buffer is not None
    np.testing.assert_array_equal(buffer, np.concatenate(grads, axis=None))
    assert flat.tiled_buffer(list(grads)) is None  # a plain list is not looked into
    for twin in (copy.deepcopy(grads), pickle.loads(pickle.dumps(grads))):  # apart
        assert type(twin) is list and flat.tiled_buffer(twin) is None
        for got, given in zip(twin, grads, strict=True):
            np.testing.assert_array_equal(got, given, strict=True)
    _, penalised = net.loss_and_grads(X, y, "sigmoid_mse", l2=0.1)
    assert flat.tiled_buffer(penalised) is None  # its weights' entries were replaced
    del grads[-1]
    assert flat.tiled_buffer(grads) is None  # a list shorter than its views


@pytest.mark.parametrize("rows,fan_in,fan_out,known", [
    (10, 6, 1, (False, False, True)),  # one column summed over 6 terms
    (10, 1, 6, (True, False, False)),  # a^T dz of one row; dz W^T over a W of one row
    (1, 8, 8, (False, True, False)),  # a batch of one: a W and dz W^T of one row
    (10, 8, 1, (True, True, True))])
def test_a_matrix_vector_product_whose_order_the_kernels_do_not_know_stays_blass(
        monkeypatch, rows, fan_in, fan_out, known):
    """Its order differs from the kernels' on most draws of numbers but not all: it is
    left to BLAS without a check, which a lucky draw could pass (a run would differ)."""
    called = []

    def recorded(index, kernel):
        def call(x, y, out):
            called.append(index)
            kernel(x, y, out)
        return call

    assert compiled.load() is True
    for index, name in enumerate(("product", "transposed_product", "product_transposed")):
        monkeypatch.setattr(products, name, recorded(index, getattr(products, name)))
    layer = plan._layer_plan(rows, fan_in, fan_out, np.random.default_rng(0))
    assert set(called) == {i for i in range(3) if known[i]}  # the others never computed
    on_kernels = (layer.forward, layer.weights_grad, layer.chain)
    assert not any(on and not k for on, k in zip(on_kernels, known, strict=True))


def test_a_pass_that_reuses_the_trace_leaves_the_gradients_and_loss_of_the_last(at_once):
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    X2, y2 = batch(net, "sigmoid_mse", 10, seed=1)
    first = net.forward_backward(X, y, "sigmoid_mse", reuse=TRACE)
    first = net.forward_backward(X, y, "sigmoid_mse", reuse=TRACE)  # (on the plan)
    second = net.forward_backward(X2, y2, "sigmoid_mse", reuse=TRACE)
    reference = numpy_pass(net, X, y, "sigmoid_mse", train=True)
    assert first is not second and first.loss == reference.loss
    for got, expected in zip(first.grads, reference.grads, strict=True):
        np.testing.assert_array_equal(got, expected, strict=True)


def test_a_batch_not_in_c_order_steps_with_numpy(at_once):
    net = MLP((2, 8, 8, 1), activation="tanh", seed=0)
    X, y = batch(net, "sigmoid_mse", 10)
    net.forward_backward(X, y, "sigmoid_mse")
    made = net.step_plans[(10, "sigmoid_mse", True)]
    strided = np.asfortranarray(X)
    assert made is not None and made.run(net, strided, y) is None
    assert_same_pass(net.forward_backward(strided, y, "sigmoid_mse"),
                     numpy_pass(net, strided, y, "sigmoid_mse", train=True))


@pytest.mark.parametrize("layout", ["F", "every other column"])
def test_a_product_into_an_array_not_in_c_order_is_blass(layout):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(16, 5)), rng.normal(size=(5, 16))
    whole = np.zeros((16, 32))
    out = np.zeros((16, 16), order="F") if layout == "F" else whole[:, ::2]
    products.matmul(a, b, out)
    np.testing.assert_array_equal(out, a.dot(b))
    if layout != "F":
        assert not whole[:, 1::2].any()  # nothing written between the columns


def test_a_network_none_of_whose_products_runs_on_the_kernels_steps_with_numpy(at_once):
    net = MLP((2, 1), seed=0)  # a linear model of two inputs: matrix-vector products of two
    X, y = batch(net, "mse", 50)
    net.forward_backward(X, y, "mse")
    assert net.step_plans[(50, "mse", True)] is None
