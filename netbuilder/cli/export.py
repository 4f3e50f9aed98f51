"""`netbuilder export` and `netbuilder import-onnx`. torch and onnx are imported only when a command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="the .nbproj file to export")
    parser.add_argument("--onnx", required=True, metavar="OUT.onnx", help="where to write the ONNX model")
    parser.add_argument("--weights", metavar="CKPT", help="checkpoint (.safetensors) to export; default: "
                        "PROJECT.safetensors beside the project, else runs/PROJECT/best.safetensors (the last "
                        "training run), else the initial weights")
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


def run_export(args: argparse.Namespace) -> int:
    from netbuilder.export.errors import ExportError
    from netbuilder.export.onnx_out import export_onnx
    from netbuilder.cli.support import open_project

    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    weights = args.weights
    if weights is None:
        weights = _default_checkpoint(Path(args.project))
        print(f"using the weights in {weights}" if weights else
              "no checkpoint given or found: exporting the initial (untrained) weights")
    out = Path(args.onnx)
    jobs = [(args.graph, out)]
    if args.discriminator:
        spec = project.scheme_spec
        extras = [g for g in (spec.extra_exports if spec is not None else ()) if g in project.graphs]
        if not extras:
            print(f"{args.project}: --discriminator: the project has no discriminator graph", file=sys.stderr)
            return EXIT_REFUSED
        jobs += [(g, out.with_name(f"{out.stem}_{g}{out.suffix or '.onnx'}")) for g in extras]
    for graph_name, path in jobs:
        try:
            report = export_onnx(project, path, weights=weights, opset=args.opset, graph_name=graph_name,
                                 encoder_only=args.encoder_only and graph_name == jobs[0][0],
                                 until=args.until, exporter=args.exporter, tolerance=args.tolerance)
        except ExportError as exc:
            print(f"export refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        print(report.summary())
    return EXIT_OK


def _default_checkpoint(project: Path) -> Path | None:
    """PROJECT.safetensors beside the project (an import), else the best checkpoint of its last training run."""
    for candidate in (project.with_suffix(".safetensors"), project.parent / "runs" / project.stem / "best.safetensors"):
        if candidate.is_file():
            return candidate
    return None


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the .onnx file to import")
    parser.add_argument("-o", "--output", required=True, metavar="PROJECT.nbproj",
                        help="the project to write; its weights go to PROJECT.safetensors beside it")
    parser.add_argument("--name", help="the project's name (default: from the model)")
    parser.add_argument("--new-classes", type=int, metavar="N", help="transfer learning: replace the head (the "
                        "last Linear) with one for N classes, freeze the layers before it and add a loss")
    parser.add_argument("--dataset", metavar="NAME", help="with --new-classes: the data set to fine-tune on")
    parser.add_argument("--dataset-option", action="append", default=[], metavar="KEY=VALUE",
                        help="with --dataset: a data-set option such as classes=3 (repeatable)")
    parser.add_argument("--keep-trainable", action="store_true", help="with --new-classes: fine-tune the whole "
                        "network instead of freezing its body")
    parser.add_argument("--no-verify", action="store_true", help="skip the onnxruntime comparison")


def run_import(args: argparse.Namespace) -> int:
    from netbuilder.export.errors import OnnxImportError
    from netbuilder.export.onnx_in import import_onnx
    from netbuilder.export.weights import save_weights
    from netbuilder.graph.project import save_project

    try:
        result = import_onnx(args.model, name=args.name, verify=not args.no_verify)
    except OnnxImportError as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE if "cannot read" in str(exc) or "no such file" in str(exc) else EXIT_REFUSED
    project, state = result.project, result.state
    layers = [n for n in project.graphs["model"].nodes.values() if n.spec.role == "layer"]
    print(f"imported {len(layers)} layers from {args.model}")
    if result.max_abs_diff:
        diffs = ", ".join(f"batch {b}: {d:.2e}" for b, d in result.max_abs_diff.items())
        print(f"  the rebuilt network matches onnxruntime: max |diff| {diffs}")
    for note in result.notes:
        print(f"  note: {note}")
    if args.new_classes is not None:
        from netbuilder.export.transfer import retarget

        try:
            options = _options(args.dataset_option)
            project, state = retarget(project, state, args.new_classes, dataset=args.dataset,
                                      dataset_options=options, freeze=not args.keep_trainable)
        except (OnnxImportError, ValueError) as exc:
            print(f"cannot replace the head: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        frozen = sum(not n.trainable for n in project.graphs["model"].nodes.values())
        print(f"  new head for {args.new_classes} classes; {frozen} layer(s) frozen; a CrossEntropyLoss was added; "
              "the checkpoint holds the body only (the head starts fresh)")
    out = Path(args.output)
    if out.suffix != ".nbproj":
        out = out.with_suffix(".nbproj")
    out.parent.mkdir(parents=True, exist_ok=True)
    save_project(project, out)
    graph = project.graphs["model"]
    from netbuilder.compile.builder import attribute_names

    nodes = {"model": {attr: graph.nodes[nid].name for nid, attr in attribute_names(graph).items()}}
    ckpt = save_weights(state, out.with_suffix(".safetensors"), nodes)
    print(f"wrote {out} and {ckpt}")
    if args.new_classes is not None:
        print(f"fine-tune with: netbuilder train {out} --init-from {ckpt} --freeze-loaded")
    return EXIT_OK


def _options(pairs: list[str]) -> dict:
    """``KEY=VALUE`` strings as a dict; values are read as JSON when they parse (3 -> int), else as text."""
    import json

    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--dataset-option {pair!r}: write it as KEY=VALUE, e.g. classes=3")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options
