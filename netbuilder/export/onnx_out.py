"""Graph -> a checked ONNX file: the inference path, a dynamic batch axis, metadata, parity-tested.

The dynamo exporter (``torch.onnx.export(dynamo=True)``) is tried first; the
TorchScript exporter only when it fails, and the report says why. The file is
written beside its destination and renamed into place only after the ONNX
checker and the onnxruntime parity run passed, so a refused export never
leaves a file that looks usable. The temporary name is unique
(`netbuilder.graph.files.write_atomically`), so exports to one file at once do
not delete each other's work, and a project's own files are never a target.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from netbuilder.compile import CompiledGraph, build
from netbuilder.export import parity
from netbuilder.export.quiet import quiet_exporters
from netbuilder.export.errors import ExportError
from netbuilder.export.onnx_rnn_out import translations as rnn_translations
from netbuilder.export.subgraph import encoder_graph
from netbuilder.export.weights import load_weights, match_state
from netbuilder.graph.files import protected_files, refuse_overwrite, write_atomically
from netbuilder.graph.catalog import target_kind
from netbuilder.graph.model import Graph
from netbuilder.data.sources import BUILTIN_DATASETS
from netbuilder.graph.project import Project

MIN_OPSET = 7  # the oldest opset the TorchScript exporter writes; dynamo writes 18 and newer

@dataclass
class ExportReport:
    """What an export did: which exporter, which opset, and how close onnxruntime came to torch."""

    path: Path
    graph_name: str
    exporter: str  # "dynamo" or "torchscript"
    fallback_reason: str
    opset: int
    max_abs_diff: dict[int, float]
    input_names: list[str]
    output_names: list[str]
    seconds: float
    metadata: dict[str, str] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step: compile, export, check, parity
    tolerance: float = parity.TOLERANCE

    def summary(self) -> str:
        lines = [f"wrote {self.path} ({self.graph_name}: inputs {', '.join(self.input_names)} -> outputs "
                 f"{', '.join(self.output_names)}; opset {self.opset}; {self.exporter} exporter)"]
        if self.fallback_reason:
            lines.append(f"  the dynamo exporter failed, so the TorchScript exporter was used: {self.fallback_reason}")
        diffs = ", ".join(f"batch {b}: {d:.2e}" for b, d in self.max_abs_diff.items())
        lines.append(f"  onnx.checker passed; onnxruntime parity max |diff| {diffs} (limit {self.tolerance:g})")
        lines.append(f"  took {self.seconds:.2f} s")
        return "\n".join(lines)


def export_onnx(source: Project | Graph, path: str | os.PathLike, *, weights: str | os.PathLike | dict | None = None,
                opset: int | None = None, graph_name: str | None = None, encoder_only: bool = False,
                until: str | None = None, tolerance: float = parity.TOLERANCE,
                exporter: str = "auto") -> ExportReport:
    """Export a project's graph (or a bare graph) to ``path`` and verify it; see the module docstring.

    ``weights`` is a checkpoint file or a state dict (keys of
    ``build(graph).modules.state_dict()``); without it the initial weights are
    exported. ``encoder_only`` exports the Input up to node ``until`` (default:
    the narrowest layer). ``exporter`` is ``auto``, ``dynamo`` or ``torchscript``.
    Raises ExportError when the graph, the checkpoint, the checker or the
    parity run says no.
    """
    check_options(opset, tolerance, exporter)
    start = time.perf_counter()
    project = source if isinstance(source, Project) else None
    graph = _pick_graph(source, graph_name)
    name = graph_name or graph.name
    if encoder_only:
        graph = encoder_graph(graph, until)
    phases: dict[str, float] = {}
    clock = [start]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        phases[phase] = now - clock[0]
        clock[0] = now

    compiled = _compile(graph, weights, name)
    lap("compile")
    target = Path(path)
    if project is not None:  # never the project, its data or its weights, whatever the caller allows
        refuse_overwrite(target, True, protected_files(project, [weights] if isinstance(weights, (str, Path)) else []))
    target.parent.mkdir(parents=True, exist_ok=True)
    outcome: dict[str, object] = {}

    def write(tmp: Path) -> None:  # a unique temporary: concurrent exports to one file never meet
        try:
            fill(tmp)
        except ExportError as exc:  # name the file the user asked for, not the temporary
            raise ExportError(str(exc).replace(str(tmp), str(target))) from None

    def fill(tmp: Path) -> None:
        used, reason, opset_used = _export(compiled, tmp, opset, exporter)
        lap("export")
        metadata = _metadata(project, graph, name, used, encoder_only)
        _finish_model(tmp, metadata, project)
        lap("metadata")
        parity.check_model(tmp)
        lap("check")
        shapes = [(compiled.input_shapes[n].dims, compiled.input_shapes[n].dtype) for n in compiled.input_names]
        result = parity.compare(tmp, compiled.model, compiled.input_names, shapes, tolerance=tolerance)
        lap("parity")
        outcome.update(used=used, reason=reason, opset=opset_used, metadata=metadata, result=result)

    write_atomically(target, write)
    result = outcome["result"]
    assert isinstance(result, parity.ParityResult)
    return ExportReport(target, name, str(outcome["used"]), str(outcome["reason"]), int(str(outcome["opset"])),
                        result.max_abs_diff, compiled.input_names, compiled.output_names,
                        time.perf_counter() - start, dict(outcome["metadata"]), phases,  # type: ignore[call-overload]
                        tolerance)


def check_options(opset: int | None, tolerance: float, exporter: str) -> None:
    """ExportError for an opset ONNX does not have, a tolerance that is not a positive number, an unknown exporter."""
    import onnx

    newest = onnx.defs.onnx_opset_version()
    if opset is not None and not (isinstance(opset, int) and MIN_OPSET <= opset <= newest):
        raise ExportError(f"opset {opset} cannot be written: this installation exports opsets {MIN_OPSET} to {newest} "
                          "(leave it out for the exporter's default)")
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance > 0):
        raise ExportError(f"tolerance {tolerance} is not a positive number: it is the largest difference accepted "
                          f"between onnxruntime and torch (default {parity.TOLERANCE:g})")
    if exporter not in ("auto", "dynamo", "torchscript"):
        raise ExportError(f"unknown exporter {exporter!r}: use auto, dynamo or torchscript")


def _pick_graph(source: Project | Graph, graph_name: str | None) -> Graph:
    if isinstance(source, Graph):
        return source
    if graph_name is None:
        return source.main_graph
    if graph_name not in source.graphs:
        raise ExportError(f"the project has no graph called '{graph_name}'; it has "
                          f"{', '.join(repr(g) for g in source.graphs)}")
    return source.graphs[graph_name]


def _compile(graph: Graph, weights: str | os.PathLike[str] | dict[str, torch.Tensor] | None,
             graph_name: str) -> CompiledGraph:
    from netbuilder.compile import GraphCompileError

    try:
        compiled = build(graph, "inference")
    except GraphCompileError as exc:
        raise ExportError(str(exc)) from None
    if weights is not None:
        state = weights if isinstance(weights, dict) else load_weights(weights)
        source = "the weights given" if isinstance(weights, dict) else str(weights)
        wanted = list(compiled.modules.state_dict())
        try:
            compiled.load_state_dict(match_state(state, wanted, graph_name, source))
        except RuntimeError as exc:  # shapes differ: the graph was edited since the checkpoint was saved
            raise ExportError(f"{source} does not fit the graph '{graph_name}': {exc}") from None
    compiled.eval()
    compiled.model.eval()
    return compiled


def _export(compiled: CompiledGraph, path: Path, opset: int | None, exporter: str) -> tuple[str, str, int]:
    """Write the ONNX file; returns (exporter used, why dynamo was not used, opset).

    The opset written is the one asked for or the export fails: the dynamo exporter writes
    18 or newer whatever it is asked, so older opsets go to the TorchScript exporter.
    """
    args = tuple(compiled.example_inputs(2))
    inputs, outputs = compiled.input_names, compiled.output_names
    reason = ""
    if exporter in ("auto", "dynamo"):
        batch = torch.export.Dim("batch")
        try:
            with quiet_exporters():
                torch.onnx.export(compiled.model, args, str(path), dynamo=True, opset_version=opset,
                                  dynamic_shapes=tuple({0: batch} for _ in args), optimize=True,
                                  external_data=False, verbose=False, input_names=inputs, output_names=outputs,
                                  custom_translation_table=rnn_translations())  # plain RNNs as ONNX RNN
        except Exception as exc:  # the dynamo exporter fails in many ways; the fallback says which
            if exporter == "dynamo":
                raise ExportError(f"the dynamo exporter failed: {_first_line(exc)}") from None
            reason = _first_line(exc)
        else:
            written = _opset_of(path)
            if opset is None or written == opset:
                return "dynamo", "", written
            reason = f"it wrote opset {written}, not the {opset} asked for"
            if exporter == "dynamo":
                raise ExportError(f"the dynamo exporter cannot write opset {opset} ({reason}) — use the TorchScript "
                                  "exporter for opsets below 18")
    axes = {n: {0: "batch"} for n in compiled.input_names + compiled.output_names}
    try:
        with quiet_exporters():
            torch.onnx.export(compiled.model, args, str(path), dynamo=False, opset_version=opset or 17,
                              dynamic_axes=axes, do_constant_folding=True, input_names=inputs,
                              output_names=outputs)
    except Exception as exc:
        raise ExportError(f"ONNX export failed with both exporters: dynamo ({reason or 'not tried'}); "
                          f"TorchScript ({_first_line(exc)})") from None
    written = _opset_of(path)
    if opset is not None and written != opset:
        raise ExportError(f"opset {opset} cannot be written for this network: the TorchScript exporter wrote "
                          f"{written}" + (f" and the dynamo exporter failed ({reason})" if reason else ""))
    return "torchscript", reason, written


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def _opset_of(path: Path) -> int:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _metadata(project: Project | None, graph: Graph, graph_name: str, exporter: str,
              encoder_only: bool) -> dict[str, str]:
    import netbuilder

    meta = {"producer": "netbuilder", "producer_version": getattr(netbuilder, "__version__", "0"),
            "graph": graph_name, "exporter": exporter}
    if encoder_only:
        meta["part"] = "encoder"
    if project is None:
        return meta
    meta["project"] = project.name
    meta["dataset"] = project.dataset.name
    spec = project.scheme_spec
    if spec is not None and not spec.takes_data(graph_name):
        return meta  # e.g. a generator's input is noise, not data: no classes, no normalisation
    names, normalization = _dataset_info(project, graph)
    targets = [n for n in graph.nodes.values() if n.spec.role == "target" and target_kind(n.values()) == "classes"]
    if targets and names and len(names) == targets[0].values()["classes"]:
        meta["class_names"] = json.dumps(names)
    if normalization:
        meta["input_normalization"] = json.dumps(normalization)
    return meta


def _dataset_info(project: Project, graph: Graph) -> tuple[list[str], dict]:
    """Class names and the input normalisation (``x = (raw / scale - mean) / std``) the model was trained with.

    Read from the data package when the data set can be loaded; otherwise the
    fixed class names of the built-in sets, and no normalisation.
    """
    try:
        from netbuilder.data import load_for_graph

        folder = project.path.parent if project.path is not None else None
        data = load_for_graph(project.dataset, graph, folder)
        norm = data.normalization.to_dict()
        norm["formula"] = data.normalization.describe()
        return list(data.class_names or []), norm
    except Exception:  # a user file that is not there, or no data package: the metadata is optional
        info = BUILTIN_DATASETS.get(project.dataset.name)
        return (list(info.class_names) if info is not None else []), {}


def _finish_model(path: Path, metadata: dict[str, str], project: Project | None) -> None:
    import onnx

    model = onnx.load(str(path))
    model.producer_name = "netbuilder"
    model.producer_version = metadata["producer_version"]
    if project is not None and project.description:
        model.doc_string = project.description
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
