"""`netbuilder export` and `netbuilder import-onnx`. torch and onnx are imported only when a command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netbuilder.cli.support import EXIT_ERRORS as EXIT_REFUSED
from netbuilder.cli.support import (EXIT_OK, EXIT_UNREADABLE, UsageError, check_fits, output_path,
                                     print_import_summary, project_errors)

if TYPE_CHECKING:
    import torch

    from netbuilder.graph.project import Project


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="the .nbproj file to export")
    parser.add_argument("--onnx", required=True, metavar="OUT.onnx", help="where to write the ONNX model")
    parser.add_argument("--weights", metavar="CKPT", help="checkpoint (.safetensors) to export; default: "
                        "PROJECT.safetensors beside the project, else the best checkpoint of the newest run in "
                        "runs/PROJECT/, else the initial weights")
    parser.add_argument("--opset", type=int, metavar="N", help="ONNX opset version (default: the exporter's)")
    parser.add_argument("--graph", metavar="NAME", help="which graph to export (default: the model, or a GAN's "
                        "generator)")
    parser.add_argument("--discriminator", action="store_true", help="GAN: also export the discriminator, to "
                        "OUT_discriminator.onnx")
    parser.add_argument("--encoder-only", action="store_true", help="autoencoder: export from the Input up to "
                        "the code layer only")
    parser.add_argument("--until", metavar="NODE", help="with --encoder-only: the last node to keep "
                        "(default: the narrowest layer)")
    parser.add_argument("--exporter", choices=("auto", "dynamo", "torchscript"), default="auto",
                        help="auto tries dynamo and falls back to TorchScript (default: auto)")
    parser.add_argument("--tolerance", type=float, default=1e-4, metavar="T", help="largest accepted difference "
                        "between onnxruntime and torch (default: 1e-4)")
    parser.add_argument("--force", action="store_true", help="replace ONNX files that already exist (never the "
                        "project itself, its data or its weights)")


def run_export(args: argparse.Namespace) -> int:
    from netbuilder.cli.support import open_project
    from netbuilder.export.onnx_out import check_options, export_onnx
    from netbuilder.graph.files import protected_files, refuse_overwrite

    check_options(args.opset, args.tolerance, args.exporter)  # before the project and torch: fail fast
    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    weights = args.weights
    if weights is None:
        weights = _default_checkpoint(Path(args.project))
        print(f"using the weights in {weights}" if weights else
              "no checkpoint given or found: exporting the initial (untrained) weights")
    out = output_path(args.onnx, "--onnx")
    jobs = [(args.graph, out)]
    if args.discriminator:
        spec = project.scheme_spec
        extras = [g for g in (spec.extra_exports if spec is not None else ()) if g in project.graphs]
        if not extras:
            print(f"{args.project}: --discriminator: the project has no discriminator graph", file=sys.stderr)
            return EXIT_REFUSED
        jobs += [(g, out.with_name(f"{out.stem}_{g}{out.suffix or '.onnx'}")) for g in extras]
    check_fits(project, [g or project.main_graph_name for g, _ in jobs], args.project)  # before building
    protected = protected_files(project, [weights] if weights else [])
    for _, path in jobs:  # every target checked before the first is written
        refuse_overwrite(path, args.force, protected)
    for graph_name, path in jobs:
        report = export_onnx(project, path, weights=weights, opset=args.opset, graph_name=graph_name,
                             encoder_only=args.encoder_only and graph_name == jobs[0][0],
                             until=args.until, exporter=args.exporter, tolerance=args.tolerance)
        print(report.summary())
    return EXIT_OK


def _default_checkpoint(project: Path) -> Path | None:
    """PROJECT.safetensors beside the project (an import), else the best checkpoint of its newest training run."""
    from netbuilder.graph.runs import trained_weights

    return trained_weights(project)


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the .onnx file to import")
    parser.add_argument("-o", "--output", required=True, metavar="PROJECT.nbproj",
                        help="the project to write; its weights go to PROJECT.safetensors beside it")
    parser.add_argument("--name", help="the project's name (default: from the model)")
    parser.add_argument("--new-classes", type=int, metavar="N", help="transfer learning: replace the head (the "
                        "last Linear, or a SqueezeNet-style 1×1 Conv2d) with one for N classes, freeze the layers "
                        "before it and add a loss")
    parser.add_argument("--dataset", metavar="NAME", help="with --new-classes: the data set to fine-tune on")
    parser.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                        help="with --dataset: a data-set option such as classes=3 (repeatable)")
    parser.add_argument("--keep-trainable", action="store_true", help="with --new-classes: fine-tune the whole "
                        "network instead of freezing its body")
    parser.add_argument("--no-verify", action="store_true", help="skip the onnxruntime comparison")
    parser.add_argument("--force", action="store_true", help="replace a project (and its weights) that already "
                        "exists")


def run_import(args: argparse.Namespace) -> int:
    from netbuilder.export.errors import OnnxImportError
    from netbuilder.export.onnx_in import import_onnx
    from netbuilder.graph.files import refuse_overwrite

    out = output_path(args.output, "-o")
    if out.suffix != ".nbproj":
        out = out.with_suffix(".nbproj")
    weights_file = out.with_suffix(".safetensors")
    options = {}
    if args.new_classes is not None:
        _check_classes(args.new_classes)
        options = _options(args.dataset_option)  # before the (slow) import: a bad option is said at once
    for path in (out, weights_file):  # before the (slow) import: say at once what would be overwritten
        refuse_overwrite(path, args.force, allow="add --force to replace the project and its weights")
    try:
        result = import_onnx(args.model, name=args.name, verify=not args.no_verify)
    except OnnxImportError as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE if "cannot read" in str(exc) or "no such file" in str(exc) else EXIT_REFUSED
    project, state = result.project, result.state
    print_import_summary(project, args.model, result.max_abs_diff, result.notes, "onnxruntime")
    if args.new_classes is not None:
        from netbuilder.export.transfer import retarget

        try:
            project, state = retarget(project, state, args.new_classes, dataset=args.dataset,
                                      dataset_options=options, freeze=not args.keep_trainable)
        except (OnnxImportError, ValueError) as exc:
            print(f"cannot replace the head: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        frozen = sum(not n.trainable for n in project.graphs["model"].nodes.values())
        print(f"  new head for {args.new_classes} classes; {frozen} layer(s) frozen; a CrossEntropyLoss was added; "
              "the checkpoint holds the body only (the head starts fresh)")
    errors = project_errors(project, list(project.graphs), str(out)) if args.new_classes is not None else []
    if errors:  # a project made for fine-tuning that would not validate is not written
        print("\n".join(errors), file=sys.stderr)
        print(f"{out}: not written — the imported project has the {len(errors)} error(s) above", file=sys.stderr)
        return EXIT_REFUSED
    for path in (out, weights_file):  # again: the import may have taken a while
        refuse_overwrite(path, args.force, allow="add --force to replace the project and its weights")
    _write_project_and_weights(project, state, out, weights_file)
    print(f"wrote {out} and {weights_file}")
    if args.new_classes is not None:
        print(f"fine-tune with: netbuilder train {out} --init-from {weights_file} --freeze-loaded")
    return EXIT_OK


def _check_classes(count: int) -> None:
    """--new-classes within what a Target node accepts (the range the project file is checked against)."""
    from netbuilder.graph.catalog import get_spec

    param = next(p for p in get_spec("Target").params if p.name == "classes")
    low = max(2, int(param.minimum if param.minimum is not None else 2))
    high = param.maximum
    if count < low or (high is not None and count > high):
        top = f"{int(high):,}" if high is not None else "any number"
        raise UsageError(f"--new-classes {count}: a classifier head takes {low} to {top} classes")


def _write_project_and_weights(project: Project, state: dict[str, torch.Tensor], out: Path,
                               weights_file: Path) -> None:
    """The project and its weights replaced as a unit: both written first, then both renamed into place."""
    from netbuilder.compile.builder import attribute_names
    from netbuilder.export.weights import weights_bytes
    from netbuilder.graph.files import replace_together
    from netbuilder.graph.project import dumps

    graph = project.graphs["model"]
    nodes = {"model": {attr: graph.nodes[nid].name for nid, attr in attribute_names(graph).items()}}
    text, data = dumps(project).encode("utf-8"), weights_bytes(state, nodes)
    out.parent.mkdir(parents=True, exist_ok=True)
    replace_together([(out, lambda tmp: tmp.write_bytes(text)), (weights_file, lambda tmp: tmp.write_bytes(data))])
    project.path = out


def _options(pairs: list[str]) -> dict:
    """``KEY=VALUE`` strings as a dict; values are read as JSON when they parse (3 -> int), else as text.

    A value nested deeper than a project file may hold is refused here: the project written with it
    could not be opened again.
    """
    import json

    from netbuilder.graph.serialize import MAX_DEPTH, ProjectFileError, limit_depth

    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--dataset-option {pair!r}: write it as KEY=VALUE, e.g. classes=3")
        try:
            options[key.strip()] = limit_depth(json.loads(value), key, "the value")
        except json.JSONDecodeError:
            options[key.strip()] = value
        except (RecursionError, ProjectFileError):
            raise UsageError(f"--dataset-option {key.strip()}: the value is nested more than {MAX_DEPTH} levels deep "
                             "— give a number, a text or a short list") from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise UsageError(f"--dataset-option {key.strip()}: the value cannot be read ({exc})") from None
    return options
