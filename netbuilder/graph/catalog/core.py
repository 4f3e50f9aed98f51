"""Fully connected, reshaping, normalisation, dropout and embedding layers."""

from __future__ import annotations

from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, ShapeError, ShapeRule, Shapes,
                                           TensorShape, TorchSpec, flat, no_args)


def _float_input(ins: Shapes, layer: str) -> TensorShape:
    x = ins["in"]
    if x.dtype != "float":
        raise ShapeError(f"{layer} needs numbers but receives token ids ({x.sample}) — "
                         "put an Embedding before it")
    return x


def _linear_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = _float_input(ins, "Linear")
    if x.rank == 0:
        raise ShapeError("Linear needs a vector of features but receives a scalar")
    if x.rank >= 3:
        raise ShapeError(f"Linear expects a flat input of {x.size} features but receives {x.sample} "
                         "— insert a Flatten before it")
    return {"out": TensorShape((*x.dims[:-1], p["out_features"]))}


def _linear_params(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    f = ins["in"].dims[-1]
    return f * p["out_features"] + (p["out_features"] if p["bias"] else 0)


def _linear_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return ins["in"].dims[-1] * outs["out"].size


LINEAR = LayerSpec(
    type="Linear",
    category="Core",
    help="Fully connected layer: every output is a weighted sum of all input features plus a bias. "
         "The number of input features is taken from the incoming shape.",
    inputs=IN, outputs=OUT,
    params=(
        ParamSpec("out_features", "int", 64, "Number of output features (neurons).", 1, 1_000_000),
        ParamSpec("bias", "bool", True, "Add a learnable bias to each output."),
    ),
    infer=_linear_infer,
    torch=TorchSpec("torch.nn.Linear", lambda p, ins: {
        "in_features": ins["in"].dims[-1], "out_features": p["out_features"], "bias": p["bias"]}),
    onnx_ops=("Gemm", "MatMul"),  # MatMul + Add of a constant: a Linear with its bias
    count_params=_linear_params, count_macs=_linear_macs,
    key_params=("out_features",), has_weights=True,
)


def _flatten_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.rank == 0:
        raise ShapeError("Flatten needs at least one dimension per sample but receives a scalar")
    return {"out": TensorShape((x.size,), x.dtype)}


FLATTEN = LayerSpec(
    type="Flatten", category="Core",
    help="Turns each sample into one flat vector (e.g. 1×28×28 → 784), as Linear layers need.",
    inputs=IN, outputs=OUT, params=(), infer=_flatten_infer,
    torch=TorchSpec("torch.nn.Flatten", no_args),
    onnx_ops=("Flatten", "Reshape"),  # a Reshape to one axis is a Flatten
)


def _reshape_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    target = tuple(p["shape"])
    if flat(target) != x.size:
        raise ShapeError(f"Reshape to {'×'.join(map(str, target))} needs {flat(target)} values per sample "
                         f"but receives {x.sample} = {x.size} — change the shape so the sizes match")
    return {"out": TensorShape(target, x.dtype)}


RESHAPE = LayerSpec(
    type="Reshape", category="Core",
    help="Rearranges each sample into a new shape with the same number of values (e.g. 784 → 1,28,28).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("shape", "ints", [1, 28, 28], "The new shape of one sample, without the batch, "
                      "e.g. 1,28,28.", maximum=1_000_000),),
    infer=_reshape_infer,
    torch=TorchSpec(None, lambda p, ins: {"shape": (-1, *p["shape"])}, "reshape"),
    onnx_ops=("Reshape",),
    key_params=("shape",),
)

DROPOUT = LayerSpec(
    type="Dropout", category="Regularisation",
    help="During training, zeroes each value with probability p (and rescales the rest) so the network "
         "cannot rely on any single unit; does nothing at inference. Fights overfitting.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("p", "float", 0.5, "Probability of dropping each value.", 0.0, 0.99),),
    infer=lambda p, ins: {"out": _float_input(ins, "Dropout")},
    torch=TorchSpec("torch.nn.Dropout", lambda p, ins: {"p": p["p"]}),
    onnx_ops=(),  # ONNX Dropout does nothing at inference: import wires straight through it
    key_params=("p",),
)


def _bn_infer(ranks: tuple[int, ...], name: str, hint: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        x = _float_input(ins, name)
        if x.rank not in ranks:
            raise ShapeError(f"{name} expects {hint} but receives {x.sample}")
        return {"out": x}
    return infer


def _channels(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return 2 * ins["in"].dims[0] if p.get("affine", True) else 0


def _elementwise_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return ins["in"].size


BATCHNORM1D = LayerSpec(
    type="BatchNorm1d", category="Normalisation",
    help="Normalises each feature over the batch, then scales and shifts it with learned values. "
         "Speeds up and steadies training of fully connected and 1-D conv layers.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("momentum", "float", 0.1, "How fast the running statistics follow the batches.", 0.0, 1.0),
            ParamSpec("affine", "bool", True, "Learn a scale and shift per feature.")),
    infer=_bn_infer((1, 2), "BatchNorm1d", "features (F) or channels×length (C×L)"),
    torch=TorchSpec("torch.nn.BatchNorm1d", lambda p, ins: {
        "num_features": ins["in"].dims[0], "momentum": p["momentum"], "affine": p["affine"]}),
    onnx_ops=("BatchNormalization",),
    count_params=_channels, count_macs=_elementwise_macs, has_weights=True,
)

BATCHNORM2D = LayerSpec(
    type="BatchNorm2d", category="Normalisation",
    help="Normalises each channel of an image over the batch, then scales and shifts it. "
         "Usually placed between a Conv2d and its activation.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("momentum", "float", 0.1, "How fast the running statistics follow the batches.", 0.0, 1.0),
            ParamSpec("affine", "bool", True, "Learn a scale and shift per channel.")),
    infer=_bn_infer((3,), "BatchNorm2d", "an image (channels×height×width)"),
    torch=TorchSpec("torch.nn.BatchNorm2d", lambda p, ins: {
        "num_features": ins["in"].dims[0], "momentum": p["momentum"], "affine": p["affine"]}),
    onnx_ops=("BatchNormalization",),
    count_params=_channels, count_macs=_elementwise_macs, has_weights=True,
)


def _ln_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = _float_input(ins, "LayerNorm")
    if x.rank == 0:
        raise ShapeError("LayerNorm needs a vector of features but receives a scalar")
    return {"out": x}


LAYERNORM = LayerSpec(
    type="LayerNorm", category="Normalisation",
    help="Normalises the features of each sample (over the last dimension); common in transformers and RNNs.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("elementwise_affine", "bool", True, "Learn a scale and shift per feature."),),
    infer=_ln_infer,
    torch=TorchSpec("torch.nn.LayerNorm", lambda p, ins: {
        "normalized_shape": ins["in"].dims[-1], "elementwise_affine": p["elementwise_affine"]}),
    onnx_ops=("LayerNormalization",),
    count_params=lambda p, ins, outs: 2 * ins["in"].dims[-1] if p["elementwise_affine"] else 0,
    count_macs=_elementwise_macs, has_weights=True,
)


def _embedding_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.dtype != "int":
        raise ShapeError(f"Embedding needs token ids (whole numbers) but receives numbers ({x.sample}) — "
                         "set the Input kind to tokens")
    return {"out": TensorShape((*x.dims, p["embedding_dim"]))}


EMBEDDING = LayerSpec(
    type="Embedding", category="Core",
    help="Looks up a learned vector for each token id (0 … vocabulary size − 1).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("num_embeddings", "int", 128, "Vocabulary size: how many different token ids.", 1, 10_000_000),
            ParamSpec("embedding_dim", "int", 32, "Length of each token's vector.", 1, 100_000)),
    infer=_embedding_infer,
    torch=TorchSpec("torch.nn.Embedding", lambda p, ins: {
        "num_embeddings": p["num_embeddings"], "embedding_dim": p["embedding_dim"]}),
    onnx_ops=("Gather",),
    count_params=lambda p, ins, outs: p["num_embeddings"] * p["embedding_dim"],
    key_params=("num_embeddings", "embedding_dim"), has_weights=True,
)

SPECS = (LINEAR, FLATTEN, RESHAPE, DROPOUT, BATCHNORM1D, BATCHNORM2D, LAYERNORM, EMBEDDING)
