"""Compiled networks compute exactly what hand-written PyTorch twins compute with the same weights."""

from __future__ import annotations

import torch
from torch import nn

from netbuilder.compile import build
from netbuilder.graph import Graph
from tests.compile.graphs import add, chain, loss_head, output

TOLERANCE = 1e-6


def _copy_weights(compiled, twin: nn.Module, names: dict[str, str]) -> None:
    """Load the compiled weights into the twin: ``names`` maps compiled module name -> twin attribute."""
    state = {}
    for key, value in compiled.state_dict().items():
        module, _, rest = key.partition(".")
        state[f"{names[module]}.{rest}"] = value
    twin.load_state_dict(state)


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return (a - b).abs().max().item()


# ---- MLP ------------------------------------------------------------------------------------------
class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc3(torch.tanh(self.fc2(torch.relu(self.fc1(x)))))


def _mlp_graph() -> Graph:
    g = Graph("mlp")
    x = add(g, "Input", "x", kind="tabular", features=10)
    last = chain(g, x, ("Linear", {"out_features": 32, "name": "fc1"}), "ReLU",
                 ("Linear", {"out_features": 16, "name": "fc2"}), "Tanh",
                 ("Linear", {"out_features": 3, "name": "fc3"}))
    output(g, last)
    loss_head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 3})
    return g


def test_compiled_mlp_matches_hand_written_mlp():
    compiled, twin = build(_mlp_graph()), MLP()
    _copy_weights(compiled, twin, {"fc1": "fc1", "fc2": "fc2", "fc3": "fc3"})
    x = torch.randn(16, 10)
    assert _max_diff(compiled.model(x), twin(x)) <= TOLERANCE


def test_compiled_mlp_loss_and_gradients_match_hand_written_mlp():
    compiled, twin = build(_mlp_graph()), MLP()
    _copy_weights(compiled, twin, {"fc1": "fc1", "fc2": "fc2", "fc3": "fc3"})
    x, y = torch.randn(16, 10), torch.randint(0, 3, (16,))
    loss, _ = compiled.training(x, y)
    loss.backward()
    twin_loss = nn.functional.cross_entropy(twin(x), y)
    twin_loss.backward()
    assert abs(loss.item() - twin_loss.item()) <= TOLERANCE
    assert _max_diff(compiled.modules["fc1"].weight.grad, twin.fc1.weight.grad) <= TOLERANCE


# ---- CNN ------------------------------------------------------------------------------------------
class CNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.conv2(x)))
        return self.head(torch.flatten(x, 1))


def _cnn_graph() -> Graph:
    g = Graph("cnn")
    x = add(g, "Input", "image", kind="image", channels=3, height=16, width=16)
    last = chain(g, x, ("Conv2d", {"out_channels": 8, "name": "conv1"}), ("BatchNorm2d", {"name": "bn1"}), "ReLU",
                 ("MaxPool2d", {"name": "pool1"}), ("Conv2d", {"out_channels": 16, "name": "conv2"}), "ReLU",
                 ("MaxPool2d", {"name": "pool2"}), "Flatten", ("Linear", {"out_features": 10, "name": "head"}))
    output(g, last)
    return g


def test_compiled_cnn_matches_hand_written_cnn_in_training_and_eval_mode():
    compiled, twin = build(_cnn_graph(), "inference"), CNN()
    _copy_weights(compiled, twin, {"conv1": "conv1", "bn1": "bn1", "conv2": "conv2", "head": "head"})
    x = torch.randn(8, 3, 16, 16)
    compiled.train(), twin.train()
    assert _max_diff(compiled.model(x), twin(x)) <= TOLERANCE  # batch statistics
    compiled.eval(), twin.eval()
    assert _max_diff(compiled.model(x), twin(x)) <= TOLERANCE  # running statistics, updated alike


# ---- LSTM and GRU ---------------------------------------------------------------------------------
class LastStepLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(6, 16, num_layers=2, batch_first=True)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        sequence, _ = self.lstm(x)
        return self.head(sequence[:, -1])


class BidirectionalGRU(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(6, 12, batch_first=True, bidirectional=True)
        self.head = nn.Linear(24, 4)

    def forward(self, x):
        sequence, final = self.gru(x)
        # Forward direction ends at the last step, backward direction at the first.
        return self.head(torch.cat((final[0], final[1]), dim=-1))


def _recurrent_graph(cell: str, **params) -> Graph:
    g = Graph(cell.lower())
    x = add(g, "Input", "x", kind="sequence", length=20, features=6)
    last = chain(g, x, (cell, {**params, "name": cell.lower()}),
                 ("Linear", {"out_features": 1 if cell == "LSTM" else 4, "name": "head"}))
    output(g, last)
    return g


def test_compiled_lstm_matches_hand_written_lstm():
    compiled = build(_recurrent_graph("LSTM", hidden_size=16, num_layers=2), "inference")
    twin = LastStepLSTM()
    _copy_weights(compiled, twin, {"lstm": "lstm", "head": "head"})
    x = torch.randn(4, 20, 6)
    assert _max_diff(compiled.model(x), twin(x)) <= TOLERANCE


def test_compiled_bidirectional_gru_last_step_matches_the_final_hidden_states():
    compiled = build(_recurrent_graph("GRU", hidden_size=12, bidirectional=True), "inference")
    twin = BidirectionalGRU()
    _copy_weights(compiled, twin, {"gru": "gru", "head": "head"})
    x = torch.randn(4, 20, 6)
    assert _max_diff(compiled.model(x), twin(x)) <= TOLERANCE


def test_compiled_module_state_dict_keys_are_the_node_names():
    compiled = build(_cnn_graph(), "inference")
    assert set(compiled.model.state_dict()) == set(compiled.state_dict())
    assert {key.split(".")[0] for key in compiled.state_dict()} == {"conv1", "bn1", "conv2", "head"}


def test_compiled_forward_code_calls_each_layer_by_its_node_name():
    code = build(_cnn_graph(), "inference").model.code
    for line in ("conv1 = self.conv1(image)", "bn1 = self.bn1(conv1)", "head = self.head(flatten_1)"):
        assert line in code
