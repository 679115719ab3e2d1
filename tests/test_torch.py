"""The PyTorch round trip: to_torch / from_torch, checked against PyTorch itself.

Tests that need PyTorch take the ``torch`` fixture and are skipped when it is
not installed (CI runs without it); the tests of the library without PyTorch
always run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perceptron as pc
from perceptron.activations import ACTIVATIONS, Activation

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

INSTALL_HINT = 'pip install ".[torch]"'
NAMES = ("sigmoid", "relu", "tanh", "identity", "softmax")


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip(
        "torch", reason=f"PyTorch is not installed (optional: {INSTALL_HINT})"
    )


def make_net(
    sizes: list[int],
    activations: list[str],
    cost: str = "quadratic",
    seed: int = 0,
    dtype: Any = None,
) -> pc.Network:
    net = pc.Network(sizes[0], cost, dtype=dtype or np.float64)
    rng = np.random.default_rng(seed)
    for size, name in zip(sizes[1:], activations, strict=True):
        pc.add_layer(net, size, name, rng=rng)
    # Non-zero biases, so a lost or transposed bias shows.
    for layer in net.layers:
        layer.bias[...] = rng.normal(0.0, 0.5, layer.bias.shape)
    return net


# ---------------------------------------------------------------------------
# without PyTorch
# ---------------------------------------------------------------------------
def test_the_library_never_imports_torch() -> None:
    code = "import sys, perceptron; assert 'torch' not in sys.modules, 'torch was imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_missing_torch_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    net = make_net([2, 3], ["relu"])
    hint = r"pip install \"\.\[torch\]\".*perceptron-from-scratch\[torch\]"
    with pytest.raises(ImportError, match="to_torch needs PyTorch.*" + hint):
        pc.to_torch(net)
    with pytest.raises(ImportError, match="from_torch needs PyTorch.*" + hint):
        pc.from_torch(object(), "mse")  # type: ignore[arg-type]


def test_to_torch_refuses_what_it_cannot_export() -> None:
    with pytest.raises(ValueError, match="no layers"):
        pc.to_torch(pc.Network(3, "mse"))
    custom = Activation("softplus", lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z)))
    net = make_net([2, 3], ["relu"])
    pc.add_layer(net, 2, custom, rng=0)
    with pytest.raises(ValueError, match="layer 1's activation 'softplus' is not a built-in"):
        pc.to_torch(net)
    with pytest.raises(TypeError, match="net: expected a Network"):
        pc.to_torch("net")  # type: ignore[arg-type]


def test_script_without_torch_prints_how_to_install() -> None:
    # Hide PyTorch even where it is installed, then run the script as __main__.
    script = SCRIPTS / "torch_export.py"
    code = (
        "import runpy, sys; sys.modules['torch'] = None; "
        f"sys.argv = [{str(script)!r}, '--quick']; "
        f"runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert INSTALL_HINT in done.stdout


def test_script_quick() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / "torch_export.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        import torch  # noqa: F401
    except ImportError:
        assert INSTALL_HINT in done.stdout
        return
    lines = dict(
        line.split(":", 1) for line in done.stdout.splitlines() if line.startswith("accuracy, ")
    )
    assert lines["accuracy, perceptron"].strip() == lines["accuracy, PyTorch"].strip()
    assert "predictions that differ:   0" in done.stdout


# ---------------------------------------------------------------------------
# export and import
# ---------------------------------------------------------------------------
@settings(max_examples=25)
@given(
    hidden=st.lists(st.sampled_from(NAMES), min_size=0, max_size=2),
    output=st.sampled_from(NAMES),
    widths=st.lists(st.integers(1, 6), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_outputs_agree(
    torch: Any, hidden: list[str], output: str, widths: list[int], seed: int
) -> None:
    acts = [*hidden, output]
    sizes = widths[: len(acts) + 1]
    net = make_net(sizes, acts, seed=seed)
    model = pc.to_torch(net)
    X = np.random.default_rng(seed + 1).normal(0.0, 2.0, (7, sizes[0]))
    with torch.no_grad():
        out_torch = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(out_torch, pc.predict(net, X), rtol=0, atol=1e-12)
    back = pc.from_torch(model, "quadratic")
    np.testing.assert_allclose(pc.predict(back, X), pc.predict(net, X), rtol=0, atol=1e-12)


def test_module_structure_and_dtype(torch: Any) -> None:
    net = make_net([3, 4, 4, 4, 4, 2], ["sigmoid", "relu", "tanh", "identity", "softmax"])
    model = pc.to_torch(net)
    kinds = [type(m).__name__ for m in model]
    assert kinds == [
        *("Linear", "Sigmoid", "Linear", "ReLU", "Linear", "Tanh"),
        *("Linear", "Identity", "Linear", "Softmax"),
    ]
    assert model[-1].dim == -1
    for k, layer in enumerate(net.layers):
        linear = model[2 * k]
        assert linear.weight.dtype == torch.float64
        assert tuple(linear.weight.shape) == layer.weights.shape
        np.testing.assert_array_equal(linear.weight.detach().numpy(), layer.weights)
        np.testing.assert_array_equal(linear.bias.detach().numpy(), layer.bias[:, 0])


def test_float32_round_trip(torch: Any) -> None:
    net = make_net([3, 5, 2], ["tanh", "sigmoid"], dtype=np.float32)
    model = pc.to_torch(net)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    back = pc.from_torch(model, "mse")
    assert back.dtype == np.float32
    X = np.random.default_rng(3).normal(size=(5, 3)).astype(np.float32)
    with torch.no_grad():
        out_torch = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(out_torch, pc.predict(net, X), rtol=0, atol=1e-6)
    for a, b in zip(net.layers, back.layers, strict=True):
        assert b.weights.dtype == np.float32
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)


def test_round_trip_is_exact_and_copies(torch: Any) -> None:
    net = make_net([4, 6, 3], ["relu", "softmax"], cost="cross_entropy")
    model = pc.to_torch(net)
    back = pc.from_torch(model, "cross_entropy")
    assert back.inputdim == 4 and back.sizes == net.sizes
    assert back.cost == pc.cross_entropy
    for a, b in zip(net.layers, back.layers, strict=True):
        assert b.activation is a.activation  # the built-in objects, so softmax+CE fuse
        assert b.init == "torch"
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)
    # Nothing is shared: moving one side leaves the others where they were.
    before = net.layers[0].weights.copy()
    with torch.no_grad():
        model[0].weight.add_(1.0)
    back.layers[0].weights += 1.0
    np.testing.assert_array_equal(net.layers[0].weights, before)
    np.testing.assert_array_equal(back.layers[0].weights, before + 1.0)


def test_from_torch_defaults(torch: Any) -> None:
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 4, dtype=torch.float64),
        nn.Linear(4, 5, bias=False, dtype=torch.float64),
        nn.ReLU(inplace=True),
        nn.Linear(5, 2, dtype=torch.float64),
        nn.Softmax(dim=1),
    )
    net = pc.from_torch(model, "cross_entropy")
    assert [layer.activation.name for layer in net.layers] == ["identity", "relu", "softmax"]
    np.testing.assert_array_equal(net.layers[1].bias, np.zeros((5, 1)))
    X = np.random.default_rng(0).normal(size=(6, 3))
    with torch.no_grad():
        expected = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(pc.predict(net, X), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda nn, t: [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.Dropout()],
            "module 3 (Dropout): cannot be mapped; supported: Linear, Sigmoid, ReLU, Tanh, "
            "Identity, Softmax",
        ),
        (lambda nn, t: [nn.ReLU(), nn.Linear(3, 4)], "module 0 (ReLU): an activation must"),
        (
            lambda nn, t: [nn.Linear(3, 4), nn.ReLU(), nn.Sigmoid()],
            "module 2 (Sigmoid): an activation must directly follow a Linear",
        ),
        (
            lambda nn, t: [nn.Linear(3, 4), nn.Softmax(dim=0)],
            "module 1 (Softmax): dim=0; only softmax over the features",
        ),
        (
            lambda nn, t: [nn.Linear(3, 4), nn.Linear(5, 2)],
            "module 1 (Linear): in_features=5 does not match the previous Linear's out_features=4",
        ),
        (
            lambda nn, t: [nn.Linear(3, 4, dtype=t.float16)],
            "module 0 (Linear): parameters are torch.float16",
        ),
        (
            lambda nn, t: [nn.Linear(3, 4, dtype=t.float64), nn.Linear(4, 2)],
            "module 1 (Linear): parameters are torch.float32, earlier ones torch.float64",
        ),
        (
            lambda nn, t: [nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 2))],
            "module 1 (Sequential): cannot be mapped",
        ),
        (lambda nn, t: [nn.Linear(3, 4), nn.LeakyReLU()], "module 1 (LeakyReLU): cannot be mapped"),
        (lambda nn, t: [], "the Sequential is empty"),
    ],
)
def test_from_torch_refuses(torch: Any, build: Any, message: str) -> None:
    model = torch.nn.Sequential(*build(torch.nn, torch))
    with pytest.raises(ValueError, match=re.escape(message)):
        pc.from_torch(model, "mse")


def test_from_torch_refuses_non_finite_and_wrong_types(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    with torch.no_grad():
        model[1].bias[0] = float("nan")
    with pytest.raises(ValueError, match=r"module 1 \(Linear\): weights or bias are not finite"):
        pc.from_torch(model, "mse")
    with pytest.raises(TypeError, match="module: expected a torch.nn.Sequential, got Linear"):
        pc.from_torch(torch.nn.Linear(2, 2), "mse")
    with pytest.raises(ValueError, match="cost: expected one of"):
        pc.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2)), "hinge")


# ---------------------------------------------------------------------------
# gradients and training, against autograd
# ---------------------------------------------------------------------------
def torch_losses(torch: Any, model: Any, x: Any, y: Any, cost: str) -> Any:
    """Per-sample costs (one per row) as the network defines them."""
    if cost == "cross_entropy":
        logits = model[:-1](x)  # everything but the final Softmax
        return -(y * torch.log_softmax(logits, dim=-1)).sum(dim=-1)
    a = model(x)
    if cost == "quadratic":
        return 0.5 * ((a - y) ** 2).sum(dim=-1)
    return ((a - y) ** 2).mean(dim=-1)


def targets(cost: str, rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    if cost == "cross_entropy":
        return rng.dirichlet(np.ones(m), size=n)  # probability vectors
    return rng.uniform(0.0, 1.0, (n, m))


COST_OUTPUTS = {"quadratic": "sigmoid", "mse": "tanh", "cross_entropy": "softmax"}


@settings(max_examples=10)
@given(
    cost=st.sampled_from(sorted(COST_OUTPUTS)),
    hidden=st.sampled_from(("sigmoid", "relu", "tanh", "identity")),
    seed=st.integers(0, 2**16),
)
def test_gradients_match_autograd(torch: Any, cost: str, hidden: str, seed: int) -> None:
    net = make_net([4, 5, 3], [hidden, COST_OUTPUTS[cost]], cost=cost, seed=seed)
    model = pc.to_torch(net)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=4)
    y = targets(cost, rng, 1, 3)[0]
    pc.feedforward(net, x)
    pc.backpropagate(net, x, y)
    loss = torch_losses(torch, model, torch.from_numpy(x), torch.from_numpy(y), cost)
    loss.backward()
    for k, layer in enumerate(net.layers):
        linear = model[2 * k]
        np.testing.assert_allclose(
            layer.dC_dweights, linear.weight.grad.numpy(), rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            layer.dC_dbias[:, 0], linear.bias.grad.numpy(), rtol=1e-10, atol=1e-12
        )


@pytest.mark.parametrize("cost", sorted(COST_OUTPUTS))
def test_one_more_epoch_in_torch_equals_one_here(torch: Any, cost: str) -> None:
    rng = np.random.default_rng(7)
    N, batchsize, lr = 23, 5, 0.5  # 23 = 4 full batches and a last one of 3
    X = rng.normal(size=(N, 4))
    Y = targets(cost, rng, N, 3)
    net = make_net([4, 6, 3], ["relu", COST_OUTPUTS[cost]], cost=cost, seed=1)
    pc.sgd(net, X, Y, batchsize, 2, lr, rng=0)  # "a network trained here"
    before = [layer.weights.copy() for layer in net.layers]

    model = pc.to_torch(net)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    for begin in range(0, N, batchsize):
        rows = slice(begin, begin + batchsize)
        optimizer.zero_grad()
        # The mean over the batch: its gradient is perceptron's sum / n.
        torch_losses(torch, model, Xt[rows], Yt[rows], cost).mean().backward()
        optimizer.step()
    trained_there = pc.from_torch(model, cost)

    pc.sgd(net, X, Y, batchsize, 1, lr, shuffle=False)
    for here, there in zip(net.layers, trained_there.layers, strict=True):
        np.testing.assert_allclose(there.weights, here.weights, rtol=0, atol=1e-10)
        np.testing.assert_allclose(there.bias, here.bias, rtol=0, atol=1e-10)
    # The epoch moved the weights, so the comparison above is not of two unchanged copies.
    assert all(np.abs(l.weights - w).max() > 1e-4 for l, w in zip(net.layers, before, strict=True))


def test_every_builtin_activation_is_mapped() -> None:
    # A new built-in activation must get a PyTorch module too.
    from perceptron.interop import _TO_MODULE

    assert set(_TO_MODULE) == set(ACTIVATIONS) == set(NAMES)
