"""Loss functions: a prediction and a target in, one number out (used for training only)."""

from __future__ import annotations

from collections.abc import Sequence

from netbuilder.graph.catalog.spec import (ArgsRule, LayerSpec, ParamSpec, ParamValues, PortSpec, ShapeError, ShapeRule,
                                           Shapes, TensorShape, TorchSpec, no_args)

LOSS_PORTS = (PortSpec("pred", "prediction", help="What the network predicts."),
              PortSpec("target", "target", help="What it should have predicted: a Target node, or the Input "
                                                "itself for an autoencoder."))


def _pred(ins: Shapes, loss: str) -> TensorShape:
    pred = ins["pred"]
    if pred.dtype != "float":
        raise ShapeError(f"{loss}: the prediction must be numbers, but receives token ids ({pred.sample})")
    return pred


def _regression(loss: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        pred, target = _pred(ins, loss), ins["target"]
        if target.dtype != "float":
            raise ShapeError(f"{loss} compares numbers, but the target is class ids — use CrossEntropyLoss "
                             "for classification, or set the Target kind to values")
        if pred.dims != target.dims:
            raise ShapeError(f"{loss} needs the prediction and the target the same shape, but the prediction is "
                             f"{pred.sample} and the target is {target.sample} — change the last layer's size to "
                             "match the target")
        return {}
    return infer


def _classification(loss: str, wants: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        pred, target = _pred(ins, loss), ins["target"]
        if pred.rank == 0:
            raise ShapeError(f"{loss} needs one {wants} per class, but the prediction is a scalar")
        if target.dtype == "int":
            if target.dims != pred.dims[1:]:
                raise ShapeError(f"{loss}: class-id targets must have the prediction's shape without the class "
                                 f"dimension, but the prediction is {pred.sample} and the target is {target.sample}")
        elif target.dims != pred.dims:
            raise ShapeError(f"{loss}: probability targets must match the prediction's shape, but the prediction "
                             f"is {pred.sample} and the target is {target.sample}")
        return {}
    return infer


def _loss(name: str, help: str, infer: ShapeRule, params: Sequence[ParamSpec] = (), args: ArgsRule | None = None,
          onnx: tuple[str, ...] = ()) -> LayerSpec:
    return LayerSpec(
        type=name, category="Loss", help=help, inputs=LOSS_PORTS, outputs=(), params=tuple(params),
        infer=infer, torch=TorchSpec(f"torch.nn.{name}", args or no_args, "loss"), onnx_ops=onnx,
        role="loss",
    )


SPECS = (
    _loss("MSELoss", "Mean squared error: for regression and autoencoders.", _regression("MSELoss")),
    _loss("L1Loss", "Mean absolute error: for regression, less sensitive to outliers than MSE.",
          _regression("L1Loss")),
    _loss("CrossEntropyLoss", "For classification: takes raw scores (logits, no Softmax before it) and class ids.",
          _classification("CrossEntropyLoss", "score"),
          (ParamSpec("label_smoothing", "float", 0.0, "Spread this much of the target over all classes.",
                     0.0, 1.0),),
          lambda p, ins: {"label_smoothing": p["label_smoothing"]}),
    _loss("NLLLoss", "Negative log-likelihood: for classification after a LogSoftmax.",
          _classification("NLLLoss", "log-probability")),
    _loss("BCELoss", "Binary cross-entropy on probabilities (after a Sigmoid), targets 0 or 1.",
          _regression("BCELoss")),
    _loss("BCEWithLogitsLoss", "Binary cross-entropy on raw scores (no Sigmoid before it): steadier than "
          "BCELoss. Used by GAN discriminators.", _regression("BCEWithLogitsLoss")),
)
