"""The layer catalog: one `LayerSpec` per layer type, read by every other part."""

from __future__ import annotations

from netbuilder.graph.catalog import (activations, activations_extra, arithmetic, conv, core, io, losses, merge,
                                      plumbing, recurrent, spatial, tokens)
from netbuilder.graph.catalog.io import INPUT_KINDS, TARGET_KINDS, InputKind, TargetKind, input_kind, target_kind
from netbuilder.graph.catalog.spec import (
    GateBias,
    LayerSpec,
    ParamSpec,
    PortSpec,
    Role,
    ShapeError,
    Signature,
    TensorShape,
    TorchSpec,
)

CATALOG: dict[str, LayerSpec] = {
    spec.type: spec
    for module in (io, core, conv, spatial, recurrent, activations, activations_extra, merge, arithmetic, plumbing,
                   tokens, losses)
    for spec in module.SPECS
}

CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(spec.category for spec in CATALOG.values()))


def onnx_layer_types(op_type: str) -> tuple[str, ...]:
    """The layer types whose entries import the ONNX operator ``op_type`` (see `LayerSpec.onnx_ops`), in catalog
    order."""
    return tuple(spec.type for spec in CATALOG.values() if op_type in spec.onnx_ops)


def get_spec(layer_type: str) -> LayerSpec:
    """The catalog entry for ``layer_type``; KeyError names the known types."""
    try:
        return CATALOG[layer_type]
    except KeyError:
        raise KeyError(f"unknown layer type {layer_type!r}") from None


__all__ = ["CATALOG", "CATEGORIES", "INPUT_KINDS", "TARGET_KINDS", "GateBias", "InputKind", "LayerSpec", "ParamSpec",
           "PortSpec", "Role", "ShapeError", "Signature", "TargetKind", "TensorShape", "TorchSpec", "get_spec",
           "input_kind", "onnx_layer_types", "target_kind"]
