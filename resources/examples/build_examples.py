"""Regenerates the example projects (templates) in this folder: `python resources/examples/build_examples.py`.

Name examples to write only those (`... build_examples.py rnn_vs_lstm`): node ids are random, so
rewriting an unchanged example only churns its file.

Written with the graph API so the files always match the catalog; the .nbproj files are committed. The
templates of real architectures are in modern_templates.py; writing `finetune_counts` also pretrains its
body (a minute) and writes the weights it starts from, finetune_counts_body.safetensors.
"""

from __future__ import annotations

import sys
from pathlib import Path

from netbuilder.graph import DatasetSettings, Graph, Project, TrainingSettings, save_project
from netbuilder.graph.layout import auto_layout

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # modern_templates.py, beside this script

from modern_templates import TEMPLATES, write_finetune_weights  # noqa: E402


def chain(g: Graph, *layers: tuple[str, dict] | str, start=None):
    """Add layers one after another, wiring out -> in; returns the last node."""
    prev = start
    for layer in layers:
        kind, params = (layer, {}) if isinstance(layer, str) else layer
        name = params.pop("name", None) if "name" in params else None
        node = g.add_node(kind, params=params, name=name)
        if prev is not None:
            g.connect(prev.id, "out", node.id, "in")
        prev = node
    return prev


def head(g: Graph, pred, loss: str, target: dict, output: bool = True):
    t = g.add_node("Target", params=target, name="labels")
    loss_node = g.add_node(loss, name="loss")
    g.connect(pred.id, "out", loss_node.id, "pred")
    g.connect(t.id, "out", loss_node.id, "target")
    if output:
        o = g.add_node("Output", name="prediction")
        g.connect(pred.id, "out", o.id, "in")


def mlp_iris() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "tabular", "features": 4}, name="features")
    last = chain(g, ("Linear", {"out_features": 32, "name": "hidden1"}), ("ReLU", {"name": "relu1"}),
                 ("Dropout", {"p": 0.1, "name": "dropout"}), ("Linear", {"out_features": 32, "name": "hidden2"}),
                 ("ReLU", {"name": "relu2"}), ("Linear", {"out_features": 3, "name": "scores"}), start=x)
    head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 3})
    return Project("MLP on iris", {"model": g}, DatasetSettings("iris"),
                   TrainingSettings(optimizer="adam", learning_rate=0.01, batch_size=16, epochs=60),
                   description="A small fully connected classifier for the three iris species.")


def cnn_digits() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "image", "channels": 1, "height": 8, "width": 8}, name="image")
    last = chain(g, ("Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1, "name": "conv1"}),
                 ("BatchNorm2d", {"name": "bn1"}), ("ReLU", {"name": "relu1"}),
                 ("Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1, "name": "conv2"}),
                 ("ReLU", {"name": "relu2"}), ("MaxPool2d", {"kernel_size": 2, "name": "pool"}),
                 ("Flatten", {"name": "flatten"}), ("Dropout", {"p": 0.25, "name": "dropout"}),
                 ("Linear", {"out_features": 64, "name": "fc1"}), ("ReLU", {"name": "relu3"}),
                 ("Linear", {"out_features": 10, "name": "scores"}), start=x)
    head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 10})
    return Project("CNN on digits", {"model": g}, DatasetSettings("digits"),
                   TrainingSettings(optimizer="adam", learning_rate=0.002, batch_size=32, epochs=15),
                   description="A convolutional network for scikit-learn's 8×8 handwritten digits.")


def lstm_sine() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "sequence", "length": 32, "features": 1}, name="window")
    last = chain(g, ("LSTM", {"hidden_size": 32, "return_sequence": False, "name": "lstm"}),
                 ("Linear", {"out_features": 1, "name": "next_value"}), start=x)
    head(g, last, "MSELoss", {"kind": "values", "shape": [1]})
    return Project("LSTM on noisy sine", {"model": g}, DatasetSettings("sine"),
                   TrainingSettings(optimizer="adam", learning_rate=0.005, batch_size=32, epochs=20),
                   description="Predicts the next value of a noisy sum of sines from the last 32 values.")


def rnn_vs_lstm() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "sequence", "length": 60, "features": 1}, name="sequence")
    t = g.add_node("Target", params={"kind": "values", "shape": [1]}, name="first_values")
    # Two readers of the same sequence side by side: the target sits at its start, 60 steps back.
    # With PyTorch's own start (forget gate ~0.5) an untrained LSTM forgets a 60-step sequence as fast as the
    # plain RNN (both ~1e-12 of the gradient reach step 1). The usual bias of 1 (gate 0.73) still loses ~1e-4
    # over 60 steps and learns the task slowly; 2 (gate 0.88) starts it remembering and it learns in a few epochs.
    for cell, hidden in (("rnn", {"nonlinearity": "tanh"}), ("lstm", {"forget_bias": 2.0})):
        last = chain(g, (cell.upper(), {"hidden_size": 32, "return_sequence": False, "name": cell, **hidden}),
                     ("Linear", {"out_features": 1, "name": f"{cell}_answer"}), start=x)
        loss = g.add_node("MSELoss", name=f"{cell}_loss")
        g.connect(last.id, "out", loss.id, "pred")
        g.connect(t.id, "out", loss.id, "target")
        out = g.add_node("Output", name=f"{cell}_prediction")
        g.connect(last.id, "out", out.id, "in")
    return Project("Plain RNN vs LSTM: remembering the start", {"model": g},
                   DatasetSettings("memory", options={"span": 3}),
                   TrainingSettings(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=10, report_every=5),
                   description="Both read the same 60-step sequence whose answer is the mean of its first three "
                               "values. Train with the gradient overlay on: the plain RNN's gradient fades long "
                               "before it reaches step 1; the LSTM (forget-gate bias 2) keeps it and learns.")


def autoencoder_digits() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "tabular", "features": 64}, name="pixels")
    last = chain(g, ("Linear", {"out_features": 32, "name": "enc1"}), ("ReLU", {"name": "relu1"}),
                 ("Linear", {"out_features": 8, "name": "code"}), ("ReLU", {"name": "relu2"}),
                 ("Linear", {"out_features": 32, "name": "dec1"}), ("ReLU", {"name": "relu3"}),
                 ("Linear", {"out_features": 64, "name": "reconstruction"}), start=x)
    loss = g.add_node("MSELoss", name="loss")
    g.connect(last.id, "out", loss.id, "pred")
    g.connect(x.id, "out", loss.id, "target")
    out = g.add_node("Output", name="rebuilt")
    g.connect(last.id, "out", out.id, "in")
    return Project("Autoencoder on digits", {"model": g}, DatasetSettings("digits", options={"flatten": True}),
                   TrainingSettings(scheme="reconstruction", optimizer="adam", learning_rate=0.003,
                                    batch_size=32, epochs=30),
                   description="Squeezes 8×8 digits through an 8-number code and rebuilds them.")


def gan_digits() -> Project:
    gen = Graph("generator")
    z = gen.add_node("Input", params={"kind": "tabular", "features": 16}, name="noise")
    last = chain(gen, ("Linear", {"out_features": 64, "name": "g_fc1"}), ("LeakyReLU", {"negative_slope": 0.2,
                 "name": "g_act1"}), ("Linear", {"out_features": 128, "name": "g_fc2"}),
                 ("LeakyReLU", {"negative_slope": 0.2, "name": "g_act2"}),
                 ("Linear", {"out_features": 64, "name": "g_pixels"}), ("Tanh", {"name": "g_tanh"}), start=z)
    o = gen.add_node("Output", name="fake")
    gen.connect(last.id, "out", o.id, "in")
    disc = Graph("discriminator")
    x = disc.add_node("Input", params={"kind": "tabular", "features": 64}, name="sample")
    last = chain(disc, ("Linear", {"out_features": 128, "name": "d_fc1"}),
                 ("LeakyReLU", {"negative_slope": 0.2, "name": "d_act1"}), ("Dropout", {"p": 0.3, "name": "d_drop"}),
                 ("Linear", {"out_features": 64, "name": "d_fc2"}),
                 ("LeakyReLU", {"negative_slope": 0.2, "name": "d_act2"}),
                 ("Linear", {"out_features": 1, "name": "d_score"}), start=x)
    o = disc.add_node("Output", name="real_score")
    disc.connect(last.id, "out", o.id, "in")
    return Project("GAN on digits", {"generator": gen, "discriminator": disc},
                   DatasetSettings("digits", options={"flatten": True, "range": "tanh"}),
                   TrainingSettings(scheme="adversarial", optimizer="adam", learning_rate=0.0005, batch_size=64,
                                    epochs=40, latent_dim=16),
                   description="A generator learns to draw 8×8 digits that a discriminator cannot tell from real ones.")


def residual_wine() -> Project:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "tabular", "features": 13}, name="features")
    stem = chain(g, ("Linear", {"out_features": 32, "name": "stem"}), ("ReLU", {"name": "stem_relu"}), start=x)
    branch = chain(g, ("Linear", {"out_features": 32, "name": "res_fc1"}), ("ReLU", {"name": "res_relu"}),
                   ("Linear", {"out_features": 32, "name": "res_fc2"}), start=stem)
    add = g.add_node("Add", name="residual")
    g.connect(stem.id, "out", add.id, "a")
    g.connect(branch.id, "out", add.id, "b")
    wide = chain(g, ("Linear", {"out_features": 16, "name": "wide"}), ("Tanh", {"name": "wide_tanh"}), start=x)
    cat = g.add_node("Concatenate", name="join")
    g.connect(add.id, "out", cat.id, "a")
    g.connect(wide.id, "out", cat.id, "b")
    last = chain(g, ("ReLU", {"name": "join_relu"}), ("Linear", {"out_features": 3, "name": "scores"}), start=cat)
    head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 3})
    return Project("Residual + concatenate on wine", {"model": g}, DatasetSettings("wine"),
                   TrainingSettings(optimizer="adam", learning_rate=0.005, batch_size=16, epochs=60),
                   description="A skip connection (Add) and two joined branches (Concatenate).")


def _moons_net(regularised: bool) -> Project:
    """Three wide layers on 50 noisy training points: enough weights to learn every point by heart."""
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "tabular", "features": 2}, name="point")
    layers: list[tuple[str, dict]] = []
    for i in (1, 2, 3):
        layers += [("Linear", {"out_features": 128, "name": f"hidden{i}"}), ("ReLU", {"name": f"relu{i}"})]
        if regularised:
            layers.append(("Dropout", {"p": 0.3, "name": f"dropout{i}"}))
    last = chain(g, *layers, ("Linear", {"out_features": 2, "name": "scores"}), start=x)
    head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 2})
    # 100 points, half kept for validation: 50 to learn from, noisy enough that learning them all is wrong.
    data = DatasetSettings("moons", options={"samples": 100, "noise": 0.35}, validation_split=0.5)
    training = TrainingSettings(optimizer="adam", learning_rate=0.005, batch_size=16, epochs=100,
                                weight_decay=0.01 if regularised else 0.0)
    if regularised:
        return Project("Overfitting, tamed: dropout and L2", {"model": g}, data, training,
                       description="The overfitting network again, with Dropout after each layer and L2 weight "
                                   "decay (0.01). Train it and compare with 'Overfitting': the training loss stays "
                                   "higher, and the validation loss no longer climbs away from it — the gap closes.")
    return Project("Overfitting: a big network, 50 points", {"model": g}, data, training,
                   description="Three layers of 128 units learn 50 noisy two-moons points by heart: the training "
                               "loss falls to zero while the validation loss climbs. Train it, watch the gap open, "
                               "then train 'Overfitting, tamed' (dropout and L2) and compare.")


def overfitting_moons() -> Project:
    return _moons_net(regularised=False)


def overfitting_moons_regularised() -> Project:
    return _moons_net(regularised=True)


EXAMPLES = {
    "mlp_iris": mlp_iris, "cnn_digits": cnn_digits, "lstm_sine": lstm_sine,
    "autoencoder_digits": autoencoder_digits, "gan_digits": gan_digits, "residual_wine": residual_wine,
    "rnn_vs_lstm": rnn_vs_lstm, "overfitting_moons": overfitting_moons,
    "overfitting_moons_regularised": overfitting_moons_regularised, **TEMPLATES,
}


def main(names: list[str] | None = None) -> None:
    unknown = sorted(set(names or ()) - set(EXAMPLES))
    if unknown:
        raise SystemExit(f"unknown example(s) {', '.join(unknown)}; known: {', '.join(EXAMPLES)}")
    for stem, build in EXAMPLES.items():
        if names and stem not in names:
            continue
        project = build()
        for graph in project.graphs.values():
            auto_layout(graph)  # banded left to right, shaped like the canvas
        save_project(project, HERE / f"{stem}.nbproj")
        print(f"wrote {stem}.nbproj")
        if stem == "finetune_counts":
            figures = write_finetune_weights()
            print(f"wrote finetune_counts_body.safetensors (body pretrained on shapes: {figures})")


if __name__ == "__main__":
    main(sys.argv[1:])
