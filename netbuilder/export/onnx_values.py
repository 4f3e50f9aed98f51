"""The bookkeeping of an ONNX import: what each ONNX value is, and the layers made so far.

ONNX values come in a few *forms*. Most are ordinary batch-first tensors
(``TENSOR``), the only kind a catalog layer accepts. Exporters also emit
values that are only steps on the way to one: a sequence turned time-major
for an RNN, an RNN's raw ``[time, directions, batch, hidden]`` output, shape
arithmetic on ``Shape`` results, zero initial states. Tracking the form lets
the converters recognise those patterns and fold them into the layers they
belong to, and refuse anything else instead of importing it wrongly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from netbuilder.export.onnx_paths import module_path
from netbuilder.graph.catalog import CATALOG, ShapeError, TensorShape

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto

TENSOR = "tensor"  # batch-first, as the graph's wires carry it
TIME_MAJOR = "time_major"  # [time, batch, features]: a TENSOR sequence transposed for an RNN
RNN_Y = "rnn_y"  # an RNN's Y with layout 0: [time, directions, batch, hidden]
RNN_Y_T = "rnn_y_t"  # RNN_Y transposed to [time, batch, directions, hidden]
RNN_YB = "rnn_yb"  # an RNN's Y with layout 1: [batch, time, directions, hidden]
RNN_H = "rnn_h"  # an RNN's final state Y_h: [directions, batch, hidden] (layout 0) or [batch, directions, hidden]
CONST = "const"  # known when importing (initializers, Constant, folded arithmetic)
SHAPE = "shape"  # computed from shapes at run time (Shape -> Slice -> Concat ...); only feeds shape inputs
ZEROS = "zeros"  # zeros of a run-time shape: an RNN's initial state
COMPARE = "comparison"  # a Greater/Less of a layer output: only the condition of a recognised Where
# A bidirectional RNN's last step, as exporters build it: both directions at the last and the first time step,
# then the forward half of the one and the backward half of the other, joined by a Concat.
BI_LAST, BI_FIRST, FWD_LAST, BWD_FIRST = "bidirectional_last_step", "bidirectional_first_step", "forward_last", \
    "backward_first"


class Unsupported(Exception):
    """Raised by a converter: this ONNX node cannot become a layer, for the reason given."""


def is_recurrent(layer_type: str) -> bool:
    """Whether the catalog calls the layer as a recurrent one (its output is a sequence or its last step)."""
    spec = CATALOG.get(layer_type)
    return spec is not None and spec.torch is not None and spec.torch.call == "rnn"


@dataclass(eq=False)
class Layer:
    """A catalog node to create: its type, parameters, inputs (in port order) and weights (torch names)."""

    type: str
    name: str
    params: dict[str, Any]
    inputs: list[Value]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    onnx_node: str = ""
    path: str = ""  # the PyTorch module it came from, when the exporter said (blocks on import)
    uses: set[str] = field(default_factory=set)  # RNNs: "sequence" and/or "last" (which output is wired)


@dataclass(eq=False)
class Value:
    """One ONNX value: its form, and the layer (or graph Input) that produces it."""

    form: str
    producer: Layer | Value | None = None  # a Layer, or the graph Input's own Value
    const: np.ndarray | None = None
    step: str = "sequence"  # for RNN outputs: the whole "sequence" or only the "last" step
    input_params: dict[str, Any] = field(default_factory=dict)  # Input nodes: kind and sizes
    bias_open: bool = False  # a MatMul's Linear whose bias a following Add may still fill in
    layout: int = 0  # RNN_H: 0 is [directions, batch, hidden], 1 is [batch, directions, hidden]
    port: str = "out"  # the producer's output port (a Split's parts leave by out, out2, ...)

    @property
    def array(self) -> np.ndarray:
        """The value of a constant."""
        if self.const is None:
            raise Unsupported(f"a {self.form.replace('_', ' ')} value is used where a constant is needed")
        return self.const

    @property
    def layer(self) -> Layer:
        """The layer that produces this value (an Input produces its own)."""
        if not isinstance(self.producer, Layer):
            raise Unsupported("a graph input is used where a layer's output is needed")
        return self.producer


Converter = Callable[["Importer", "NodeProto"], None]


def attributes(node: NodeProto) -> dict[str, Any]:
    from onnx import helper

    out: dict[str, Any] = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


class Importer:
    """Walks an ONNX graph, recording a Value per ONNX value and a Layer per catalog node."""

    def __init__(self, model: ModelProto, file: str) -> None:
        from onnx import numpy_helper

        self.model = model
        self.file = file
        self.opset = 13
        self.values: dict[str, Value] = {}
        self.layers: list[Layer] = []
        self.unsupported: dict[str, str] = {}
        self.notes: list[str] = []
        self.consumers: dict[str, int] = {}
        self.producers: dict[str, NodeProto] = {}  # ONNX value name -> the node computing it (for patterns)
        for node in model.graph.node:
            for name in node.input:
                self.consumers[name] = self.consumers.get(name, 0) + 1
            self.producers.update((name, node) for name in node.output if name)
        for out in model.graph.output:
            self.consumers[out.name] = self.consumers.get(out.name, 0) + 1
        for init in model.graph.initializer:
            self.values[init.name] = Value(CONST, const=numpy_helper.to_array(init))
        self.shapes: dict[str, list[int | None]] = {}
        self.samples: dict[int, TensorShape] = {}  # id(tensor Value) -> its sample shape, however it was learnt
        for vi in [*model.graph.input, *model.graph.value_info, *model.graph.output]:
            t = vi.type.tensor_type
            if t.HasField("shape"):
                self.shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]

    # ---- graph inputs --------------------------------------------------------------------
    def read_inputs(self) -> list[tuple[str, Value]]:
        """One Value per real graph input (not an initializer), with the Input node's parameters."""
        from onnx import TensorProto

        found: list[tuple[str, Value]] = []
        for inp in self.model.graph.input:
            if inp.name in self.values:  # old exporters list initializers as inputs too
                continue
            dims = self.shapes.get(inp.name)
            elem = inp.type.tensor_type.elem_type
            where = f"graph input '{inp.name}'"
            if dims is None or len(dims) < 2 or any(d is None or d < 1 for d in dims[1:]):
                self.unsupported[where] = (f"its shape {dims} needs a batch axis and fixed sizes for the rest "
                                           "(e.g. [batch, 1, 28, 28])")
                continue
            sample = [d for d in dims[1:] if d is not None]
            params: dict[str, Any]
            if elem in (TensorProto.INT64, TensorProto.INT32) and len(sample) == 1:
                params = {"kind": "tokens", "length": sample[0]}
            elif elem not in (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16):
                self.unsupported[where] = f"its element type ({TensorProto.DataType.Name(elem)}) is not float"
                continue
            elif len(sample) == 1:
                params = {"kind": "tabular", "features": sample[0]}
            elif len(sample) == 2:
                params = {"kind": "sequence", "length": sample[0], "features": sample[1]}
            elif len(sample) == 3:
                params = {"kind": "image", "channels": sample[0], "height": sample[1], "width": sample[2]}
            else:
                self.unsupported[where] = f"samples of rank {len(sample)} ({sample}) have no Input kind"
                continue
            value = Value(TENSOR, input_params=params)
            value.producer = value
            self.samples[id(value)] = TensorShape(tuple(sample), "int" if params["kind"] == "tokens" else "float")
            self.values[inp.name] = value
            found.append((inp.name, value))
        return found

    # ---- walking ---------------------------------------------------------------------------
    def convert(self, node: NodeProto, converter_for: Callable[[str], Converter | None]) -> None:
        label = self.label(node)
        handler = converter_for(node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}")
        found = [self.values.get(name) for name in node.input if name]
        present = [v for v in found if v is not None]
        if len(present) < len(found):
            if handler is None:  # still worth listing; its inputs failed for their own reasons
                self.unsupported[label] = f"the ONNX operator {node.op_type} has no netbuilder layer"
            return  # an input failed earlier and is already listed
        if node.op_type != "Shape" and all(v.form in (CONST, SHAPE, ZEROS) for v in present):
            self.fold(node, present)
            return
        if handler is None:
            self.unsupported[label] = f"the ONNX operator {node.op_type} has no netbuilder layer"
            return
        try:
            handler(self, node)
        except Unsupported as exc:
            self.unsupported[label] = str(exc)

    def fold(self, node: NodeProto, present: list[Value]) -> None:
        """Evaluate arithmetic on constants now; remember shape arithmetic and zero states by their form."""
        form = SHAPE
        if any(v.form == ZEROS for v in present):
            form = ZEROS
        elif node.op_type in ("Expand", "ConstantOfShape"):
            if node.op_type == "Expand":
                fill = present[0].const
            else:
                attr = attributes(node).get("value")
                fill = np.zeros(1) if attr is None else _tensor(attr)
            form = ZEROS if fill is not None and not np.any(fill) else SHAPE
        if all(v.form == CONST for v in present):
            try:
                feeds = {name: self.values[name].array for name in node.input if name}
                results = self._evaluate(node, feeds)
                for name, array in zip(node.output, results):
                    self.values[name] = Value(CONST, const=np.asarray(array))
                return
            except Exception:
                pass
        for name in node.output:
            self.values[name] = Value(form)

    def _evaluate(self, node: NodeProto, feeds: dict[str, np.ndarray]) -> list[Any]:
        """Run one node on constants with onnx's reference evaluator, at the model's opset.

        The node goes inside a one-node model declaring the opset: evaluated alone it would be read at
        the newest opset, where (for one) Unsqueeze takes its axes as an input, not an attribute.
        """
        from onnx import helper
        from onnx.reference import ReferenceEvaluator

        inputs = [helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape)
                  for name, array in feeds.items()]
        outputs = [helper.make_empty_tensor_value_info(name) for name in node.output if name]
        graph = helper.make_graph([node], "fold", inputs, outputs)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        return list(ReferenceEvaluator(model).run(None, feeds))

    @staticmethod
    def label(node: NodeProto) -> str:
        return f"{node.op_type} '{node.name or node.output[0]}'"

    # ---- helpers for converters ------------------------------------------------------------
    def tensor(self, node: NodeProto, index: int) -> Value:
        """Input ``index`` of ``node`` as a wire into a layer; anything but a batch-first tensor is refused."""
        value = self.values[node.input[index]]
        if value.form == CONST:
            raise Unsupported(f"its input '{node.input[index]}' is a constant; netbuilder layers take constants "
                              "only as weights")
        return self.use(value, f"input '{node.input[index]}'")

    def use(self, value: Value | None, where: str) -> Value:
        if value is None:
            raise Unsupported(f"{where} is not produced by an imported layer")
        if value.form == TIME_MAJOR:
            raise Unsupported(f"{where} is a sequence turned time-major, which only an ONNX LSTM/GRU/RNN node may "
                              "read here (a recurrent layer the exporter unrolled step by step cannot be imported; the "
                              "TorchScript exporter, `netbuilder export --exporter torchscript`, keeps RNN nodes)")
        if value.form != TENSOR:
            raise Unsupported(f"{where} is an intermediate value ({value.form.replace('_', ' ')}) of a pattern "
                              "that is not recognised")
        if isinstance(value.producer, Layer) and is_recurrent(value.producer.type):
            value.producer.uses.add(value.step)
        return value

    def const(self, node: NodeProto, index: int, what: str) -> np.ndarray:
        if index >= len(node.input) or not node.input[index]:
            raise Unsupported(f"it has no {what}")
        value = self.values[node.input[index]]
        if value.form != CONST:
            raise Unsupported(f"its {what} ('{node.input[index]}') is computed at run time; only constant {what}s "
                              "can be imported")
        return value.array

    def optional_const(self, node: NodeProto, index: int, what: str) -> np.ndarray | None:
        if index >= len(node.input) or not node.input[index]:
            return None
        return self.const(node, index, what)

    def shape(self, name: str) -> list[int | None] | None:
        return self.shapes.get(name)

    def rank(self, node: NodeProto, index: int = 0) -> int:
        dims = self.shapes.get(node.input[index])
        if dims is None:
            raise Unsupported(f"the rank of '{node.input[index]}' is unknown (ONNX shape inference failed)")
        return len(dims)

    def sample_dims(self, name: str) -> list[int]:
        dims = self.shapes.get(name)
        sample = [d for d in (dims or [])[1:] if d is not None]
        if dims is None or len(dims) < 1 or len(sample) < len(dims) - 1:
            raise Unsupported(f"the shape of '{name}' is not known (ONNX shape inference gave {dims})")
        return sample

    def fitting(self, layer_types: Sequence[str], params: dict[str, Any], sample: Sequence[int],
                want: Sequence[int] | None = None) -> str:
        """The first of ``layer_types`` (the catalog's entries for an operator) whose shape rule takes ``sample``.

        With ``want``, the rule must also give that output shape. Unsupported says why none fits.
        """
        shape = TensorShape(tuple(sample))
        why = []
        for layer_type in layer_types:
            spec = CATALOG[layer_type]
            try:
                out = spec.infer(spec.resolved(params), {spec.inputs[0].name: shape})
            except (ShapeError, TypeError, ValueError, KeyError, IndexError) as exc:
                why.append(str(exc) if str(exc).startswith(layer_type) else f"{layer_type}: {exc}")
                continue
            if want is None or out["out"].dims == tuple(want):
                return layer_type
            why.append(f"{layer_type} would give {out['out'].sample}, not {'×'.join(map(str, want))}")
        raise Unsupported(f"no netbuilder layer does what it does to a sample of shape {shape.sample} "
                          f"({'; '.join(why) or 'no layer imports it'})")

    def add_layer(self, layer_type: str, node: NodeProto, params: dict[str, Any], inputs: list[Value],
                  weights: dict[str, np.ndarray] | dict[str, np.ndarray | None] | None = None,
                  weight_name: str = "") -> Layer:
        layer = Layer(layer_type, self._name(node, weight_name, layer_type), params, inputs,
                      {k: np.asarray(v, dtype=np.float32) if k != "num_batches_tracked" else v
                       for k, v in (weights or {}).items() if v is not None}, self.label(node),
                      path=module_path(node, weight_name))
        self.layers.append(layer)
        return layer

    def output(self, node: NodeProto, value: Value, index: int = 0) -> Value:
        name = node.output[index]
        self.values[name] = value
        if value.form == TENSOR:
            self._track_shape(name, value)
        return value

    def _track_shape(self, name: str, value: Value) -> None:
        """Keep every tensor's sample shape: from ONNX shape inference, or where that gave none (it gives up on
        some exporters' padding), from the catalog's shape rule for the layer that makes it."""
        dims = self.shapes.get(name)
        if dims and all(d is not None for d in dims[1:]):
            known = self.samples.get(id(value))
            self.samples[id(value)] = TensorShape(tuple(int(d) for d in dims[1:] if d is not None),
                                                  known.dtype if known is not None else "float")
            return
        layer = value.producer
        if id(value) in self.samples or not isinstance(layer, Layer):
            shape = self.samples.get(id(value))
        else:
            spec = CATALOG[layer.type]
            ins = {port.name: self.samples.get(id(v)) for port, v in zip(spec.inputs, layer.inputs)}
            shape = None
            if all(s is not None for s in ins.values()):
                try:
                    shape = spec.infer(spec.resolved(layer.params), {k: s for k, s in ins.items() if s is not None}
                                       ).get(value.port)
                except (ShapeError, TypeError, ValueError, KeyError, IndexError):
                    shape = None
        if shape is not None:
            self.samples[id(value)] = shape
            self.shapes[name] = [dims[0] if dims else None, *shape.dims]

    @staticmethod
    def _name(node: NodeProto, weight_name: str, layer_type: str) -> str:
        # Exporters name weights "<module>.weight": the module name is the best name a layer can get back.
        if "." in weight_name:
            return weight_name.rsplit(".", 1)[0]
        name = node.name or ""
        if name.startswith("/"):  # TorchScript's "/features/conv1/Conv": the module path ends in its name
            parts = [p for p in name.split("/") if p]
            return parts[-2] if len(parts) >= 2 else layer_type.lower()
        if not name or name.startswith("node_"):  # the dynamo exporter's "node_relu_3" names the op, not the layer
            return layer_type.lower()
        return name

    def live_layers(self, results: list[Value]) -> list[Layer]:
        """The layers the ``results`` depend on, in creation order.

        A pattern recognised late (a Softplus written as Where(x > t, x, softplus(x))) replaces layers
        made for its pieces; those lead nowhere and are left out of the graph.
        """
        live: set[int] = set()
        pending = [v.producer for v in results if isinstance(v.producer, Layer)]
        while pending:
            layer = pending.pop()
            if id(layer) not in live:
                live.add(id(layer))
                pending.extend(v.producer for v in layer.inputs if isinstance(v.producer, Layer))
        return [layer for layer in self.layers if id(layer) in live]

    def check_rnn_uses(self) -> None:
        """An RNN node gives either its sequence or its last step; decide which, refuse both at once."""
        for layer in self.layers:
            if not is_recurrent(layer.type):
                continue
            if layer.uses == {"last"}:
                layer.params["return_sequence"] = False
            elif len(layer.uses) > 1:
                self.unsupported[layer.onnx_node] = ("both its whole output sequence and its last step are used; "
                                                     "a netbuilder RNN layer gives one of them")


def f32(x: float) -> float:
    """An ONNX float attribute as the decimal it was written as (0.2, not 0.20000000298)."""
    return float(f"{np.float32(x):.7g}")


def _tensor(proto: TensorProto) -> np.ndarray:
    from onnx import numpy_helper

    return numpy_helper.to_array(proto)
