"""The templates of networks people use: ResNet-18, MobileNetV2, U-Net, a Transformer encoder, fine-tuning.

Imported by build_examples.py. Each trains on a data set generated here (`shapes`, `shape_masks`,
`shape_counts`, `topics`); each residual or inverted-residual block is a named Block on the canvas
(``layer1.0``, ``features.3``), as in the PyTorch models they follow.
"""

from __future__ import annotations

from pathlib import Path

from netbuilder.graph import DatasetSettings, Graph, Project, TrainingSettings
from netbuilder.graph.model import Node

HERE = Path(__file__).parent
# Not finetune_counts.safetensors: a <stem>.safetensors beside a project is that project's trained weights.
FINETUNE_WEIGHTS = HERE / "finetune_counts_body.safetensors"


class Builder:
    """Adds named layers to a graph, wiring each to the one before, and records them for a Block."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.added: list[str] = []

    def layer(self, kind: str, name: str, src: Node | None, port: str = "in", **params) -> Node:
        # Node names are identifiers (the code export's attribute names): layer1.0.conv1 would be stored as
        # layer1_0_conv1 anyway, so write it so; the Blocks keep PyTorch's dotted names.
        node = self.g.add_node(kind, params=params, name=name.replace(".", "_"))
        if src is not None:
            self.g.connect(src.id, "out", node.id, port)
        self.added.append(node.id)
        return node

    def merge(self, kind: str, name: str, a: Node, b: Node, **params) -> Node:
        node = self.layer(kind, name, a, "a", **params)
        self.g.connect(b.id, "out", node.id, "b")
        return node

    def block(self, name: str) -> None:
        """Put the layers added since the last block into a Block called ``name``."""
        if self.added:
            self.g.add_group(name, self.added)
        self.added = []

    def conv_bn(self, prefix: str, src: Node, out: int, kernel: int = 3, stride: int = 1, groups: int = 1,
                act: str | None = "ReLU", suffix: str = "") -> Node:
        """Conv2d (no bias: the BatchNorm after it has one), BatchNorm2d and an activation."""
        conv = self.layer("Conv2d", f"{prefix}conv{suffix}", src, out_channels=out, kernel_size=kernel,
                          stride=stride, padding=kernel // 2, groups=groups, bias=False)
        last = self.layer("BatchNorm2d", f"{prefix}bn{suffix}", conv)
        return self.layer(act, f"{prefix}{act.lower()}{suffix}", last) if act else last


def _classifier_head(b: Builder, src: Node, classes: int, name: str = "fc") -> Node:
    pool = b.layer("AdaptiveAvgPool2d", "avgpool", src, output_size=1)
    flat = b.layer("Flatten", "flatten", pool)
    return b.layer("Linear", name, flat, out_features=classes)


def _loss(g: Graph, pred: Node, loss: str, target: dict, output: str = "prediction") -> None:
    t = g.add_node("Target", params=target, name="labels")
    loss_node = g.add_node(loss, name="loss")
    g.connect(pred.id, "out", loss_node.id, "pred")
    g.connect(t.id, "out", loss_node.id, "target")
    o = g.add_node("Output", name=output)
    g.connect(pred.id, "out", o.id, "in")


def _image_input(g: Graph) -> Node:
    return g.add_node("Input", params={"kind": "image", "channels": 3, "height": 32, "width": 32}, name="image")


# ---- ResNet-18 ---------------------------------------------------------------------------------------------
def resnet18_shapes() -> Project:
    g = Graph("model")
    b = Builder(g)
    last = b.conv_bn("stem.", _image_input(g), 64)  # CIFAR stem: 3×3, stride 1, no max pool
    b.block("stem")
    channels_in = 64
    for stage, channels in enumerate((64, 128, 256, 512), start=1):
        for index in range(2):
            p = f"layer{stage}.{index}."
            stride = 2 if stage > 1 and index == 0 else 1
            x = b.conv_bn(p, last, channels, stride=stride, suffix="1")
            x = b.conv_bn(p, x, channels, act=None, suffix="2")
            shortcut = last
            if stride != 1 or channels != channels_in:  # a 1×1 projection where the size or width changes
                shortcut = b.conv_bn(p + "downsample.", last, channels, kernel=1, stride=stride, act=None)
            add = b.merge("Add", p + "add", x, shortcut)
            last = b.layer("ReLU", p + "relu", add)
            b.block(p.rstrip("."))
            channels_in = channels
    pred = _classifier_head(b, last, 6)
    _loss(g, pred, "CrossEntropyLoss", {"kind": "classes", "classes": 6})
    return Project("ResNet-18 (CIFAR-size) on shapes", {"model": g},
                   DatasetSettings("shapes", options={"samples": 1500}),
                   TrainingSettings(optimizer="adam", learning_rate=0.0005, batch_size=32, epochs=3),
                   description="The 18-layer residual network for 32×32 colour images: a 3×3 stem, four stages "
                               "of two BasicBlocks (64, 128, 256, 512 channels; each block's skip Add, a 1×1 "
                               "projection where it halves the size), global average pooling and a Linear. "
                               "Learns to tell six generated shapes apart; raise the samples for more accuracy.")


# ---- MobileNetV2 -------------------------------------------------------------------------------------------
# (expansion t, output channels c, repeats n, first stride s), as in the paper; for 32×32 inputs the stem keeps
# stride 1, so the last stages see 2×2 maps rather than 1×1 (ImageNet's 224 ends at 7×7).
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1))


def mobilenetv2_shapes() -> Project:
    g = Graph("model")
    b = Builder(g)
    last = b.conv_bn("features.0.", _image_input(g), 32, act="ReLU6")
    b.block("features.0")
    channels_in, index = 32, 1
    for expand, channels, repeats, first_stride in MOBILENET_V2:
        for r in range(repeats):
            p = f"features.{index}."
            stride = first_stride if r == 0 else 1
            hidden = channels_in * expand
            x = last
            if expand != 1:
                x = b.conv_bn(p + "expand.", x, hidden, kernel=1, act="ReLU6")
            x = b.conv_bn(p + "depthwise.", x, hidden, stride=stride, groups=hidden, act="ReLU6")
            x = b.conv_bn(p + "project.", x, channels, kernel=1, act=None)  # linear bottleneck: no activation
            if stride == 1 and channels == channels_in:
                x = b.merge("Add", p + "add", x, last)
            last = x
            b.block(p.rstrip("."))
            channels_in, index = channels, index + 1
    last = b.conv_bn(f"features.{index}.", last, 1280, kernel=1, act="ReLU6")
    b.block(f"features.{index}")
    drop = b.layer("Dropout", "dropout", b.layer("Flatten", "flatten", b.layer("AdaptiveAvgPool2d", "avgpool", last,
                                                                                  output_size=1)), p=0.2)
    pred = b.layer("Linear", "classifier", drop, out_features=6)
    _loss(g, pred, "CrossEntropyLoss", {"kind": "classes", "classes": 6})
    return Project("MobileNetV2 (small images) on shapes", {"model": g},
                   DatasetSettings("shapes", options={"samples": 1500}),
                   TrainingSettings(optimizer="adam", learning_rate=0.002, batch_size=32, epochs=4),
                   description="MobileNetV2 for 32×32 images: inverted residual blocks (1×1 expand ×6, 3×3 "
                               "depthwise convolution with groups = channels, ReLU6, a linear 1×1 projection, and a "
                               "skip Add where the size and width stay), a 1×1 convolution to 1280, pooling and a "
                               "Linear. Classifies six generated shapes.")


# ---- U-Net -------------------------------------------------------------------------------------------------
def unet_shapes() -> Project:
    g = Graph("model")
    b = Builder(g)
    x = _image_input(g)
    skips = []
    widths = (16, 32, 64)
    for level, width in enumerate(widths, start=1):
        p = f"down{level}."
        x = b.conv_bn(p, x, width, suffix="1")
        x = b.conv_bn(p, x, width, suffix="2")
        skips.append(x)
        x = b.layer("MaxPool2d", p + "pool", x, kernel_size=2)
        b.block(f"down{level}")
    x = b.conv_bn("bottleneck.", x, 128, suffix="1")
    x = b.conv_bn("bottleneck.", x, 128, suffix="2")
    b.block("bottleneck")
    for level, width in reversed(list(enumerate(widths, start=1))):
        p = f"up{level}."
        x = b.layer("ConvTranspose2d", p + "upsample", x, out_channels=width, kernel_size=2, stride=2, padding=0)
        x = b.merge("Concatenate", p + "concat", x, skips[level - 1], dim=0)  # the skip: join along channels
        x = b.conv_bn(p, x, width, suffix="1")
        x = b.conv_bn(p, x, width, suffix="2")
        b.block(f"up{level}")
    pred = b.layer("Conv2d", "mask_logits", x, out_channels=1, kernel_size=1, padding=0)
    _loss(g, pred, "BCEWithLogitsLoss", {"kind": "values", "shape": [1, 32, 32]}, output="mask")
    return Project("U-Net: segment shapes", {"model": g},
                   DatasetSettings("shape_masks", options={"samples": 1200}),
                   TrainingSettings(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=4),
                   description="An encoder-decoder with skip connections: three levels down (two 3×3 convolutions, "
                               "then max pooling), a bottleneck, and three up (a transposed convolution, "
                               "Concatenate with the encoder's map of the same size, two convolutions). Predicts, "
                               "per pixel, whether it belongs to a shape (a segmentation mask, one logit a pixel).")


# ---- Transformer encoder -----------------------------------------------------------------------------------
def transformer_topics() -> Project:
    g = Graph("model")
    b = Builder(g)
    tokens = g.add_node("Input", params={"kind": "tokens", "length": 16}, name="words")
    x = b.layer("Embedding", "embedding", tokens, num_embeddings=91, embedding_dim=64)
    # A learnt vector per position, added to each word's: without it the encoder sees a bag of words.
    x = b.layer("Bias", "positions", x, per="element", value=0.0)
    b.block("embeddings")
    for i in range(2):
        x = b.layer("TransformerEncoderLayer", f"encoder.{i}", x, nhead=4, dim_feedforward=128, dropout=0.1)
    b.block("encoder")
    pooled = b.layer("Reduce", "mean_over_words", x, op="mean", dims=[0])
    pred = b.layer("Linear", "classifier", pooled, out_features=5)
    _loss(g, pred, "CrossEntropyLoss", {"kind": "classes", "classes": 5})
    return Project("Transformer encoder: sentence topics", {"model": g}, DatasetSettings("topics"),
                   TrainingSettings(optimizer="adam", learning_rate=0.001, batch_size=32, epochs=4),
                   description="Word ids → Embedding plus a learnt position vector → two TransformerEncoderLayers "
                               "(4 attention heads) → the mean over the words → Linear. Tells which of five topics "
                               "a generated sentence is about, when most sentences also mention another topic.")


# ---- Fine-tuning -------------------------------------------------------------------------------------------
def _small_cnn(g: Graph, classes: int, head: str, frozen: bool) -> Node:
    """Three conv stages and global pooling (the body), then a Linear head; the body frozen when asked."""
    b = Builder(g)
    x = _image_input(g)
    for i, width in enumerate((16, 32, 64), start=1):
        x = b.conv_bn(f"body{i}.", x, width)
        x = b.layer("MaxPool2d", f"body{i}.pool", x, kernel_size=2)
        b.block(f"body{i}")
    body = b.layer("Flatten", "features", b.layer("AdaptiveAvgPool2d", "avgpool", x, output_size=1))
    if frozen:
        for node in g.nodes.values():
            if node.spec.has_weights:
                g.set_options(node.id, trainable=False)
    return b.layer("Linear", head, body, out_features=classes)


def pretraining_shapes() -> Project:
    """The body's first life (not a template): classify the six shapes; its weights are shipped."""
    g = Graph("model")
    pred = _small_cnn(g, 6, "shape_head", frozen=False)
    _loss(g, pred, "CrossEntropyLoss", {"kind": "classes", "classes": 6})
    return Project("pretraining", {"model": g}, DatasetSettings("shapes", options={"samples": 3000}),
                   TrainingSettings(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=5))


def finetune_counts() -> Project:
    g = Graph("model")
    pred = _small_cnn(g, 4, "count_head", frozen=True)
    _loss(g, pred, "CrossEntropyLoss", {"kind": "classes", "classes": 4})
    return Project("Fine-tuning: a frozen body, a new head", {"model": g},
                   DatasetSettings("shape_counts", options={"samples": 2000}),
                   TrainingSettings(optimizer="adam", learning_rate=0.003, batch_size=32, epochs=8,
                                    start_from=FINETUNE_WEIGHTS.name),
                   description="A small CNN whose body was trained to name shapes (its weights ship as "
                               "finetune_counts_body.safetensors) gets a new head that counts the shapes. The body is "
                               "frozen (trainable off); only the head learns. Its training setting Start from loads "
                               "the shipped body weights before the first batch.")


def write_finetune_weights(path: Path = FINETUNE_WEIGHTS, seed: int = 0) -> dict[str, float]:
    """Train the body on `shapes` and write its weights (the head left out) for the fine-tuning template."""
    import torch

    from netbuilder.compile import build
    from netbuilder.data import load_for_graph
    from netbuilder.export.weights import save_weights

    project = pretraining_shapes()
    graph = project.graphs["model"]
    torch.manual_seed(seed)
    data = load_for_graph(project.dataset, graph)
    compiled = build(graph, project.purpose("model"))
    optimiser = torch.optim.Adam(compiled.trainable_parameters(), lr=project.training.learning_rate)
    batch = project.training.batch_size
    for _ in range(project.training.epochs):
        compiled.train()
        for idx in torch.randperm(len(data.x_train)).split(batch):
            optimiser.zero_grad()
            loss, _ = compiled.training(data.x_train[idx], data.y_train[idx])
            loss.backward()
            optimiser.step()
    compiled.eval()
    with torch.no_grad():
        scores = compiled.model(data.x_val)
        scores = scores[0] if isinstance(scores, tuple) else scores
        accuracy = float((scores.argmax(1) == data.y_val).float().mean())
    head = [m for m, n in compiled.node_for_module.items() if n == "shape_head"]
    state = {k: v for k, v in compiled.state_dict().items() if k.split(".")[0] not in head}
    save_weights(state, path, {"model": {m: n for m, n in compiled.node_for_module.items() if m not in head}})
    return {"val_accuracy": accuracy}


TEMPLATES = {
    "resnet18_shapes": resnet18_shapes, "mobilenetv2_shapes": mobilenetv2_shapes, "unet_shapes": unet_shapes,
    "transformer_topics": transformer_topics, "finetune_counts": finetune_counts,
}
