"""`netbuilder import-torch FILE.py:ClassName --input-shape 3,32,32 -o PROJECT.nbproj`.

The class is built with no arguments (and given ``--weights`` if asked), exported
to ONNX by torch and imported as `netbuilder import-onnx` imports: the same
layers, the same check against onnxruntime, the same list of refusals. torch is
imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys

from netbuilder.cli.support import EXIT_ERRORS as EXIT_REFUSED
from netbuilder.cli.support import EXIT_OK, UsageError, output_path, print_import_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("module", metavar="FILE.py:ClassName",
                        help="the nn.Module class to import (the file is run, as Python would import it)")
    parser.add_argument("--input-shape", action="append", required=True, metavar="SHAPE",
                        help="a sample's shape without the batch, e.g. 3,32,32; 16:int for token ids; once per "
                        "forward argument, in order")
    parser.add_argument("-o", "--output", required=True, metavar="PROJECT.nbproj",
                        help="the project to write; its weights go to PROJECT.safetensors beside it")
    parser.add_argument("--weights", metavar="STATE.pt", help="a state dict saved with torch.save to load first "
                        "(read with weights_only=True); default: the weights the constructor makes")
    parser.add_argument("--name", help="the project's name (default: the class name)")
    parser.add_argument("--no-verify", action="store_true", help="skip the onnxruntime comparison")
    parser.add_argument("--force", action="store_true", help="replace a project (and its weights) that already "
                        "exists")


def run(args: argparse.Namespace) -> int:
    from netbuilder.cli.export import _write_project_and_weights
    from netbuilder.export.errors import OnnxImportError
    from netbuilder.export.torch_in import InputSpec, import_torch
    from netbuilder.graph.files import refuse_overwrite

    try:
        inputs = [InputSpec.parse(text) for text in args.input_shape]
    except ValueError as exc:
        raise UsageError(f"--input-shape: {exc}") from None
    out = output_path(args.output, "-o")
    if out.suffix != ".nbproj":
        out = out.with_suffix(".nbproj")
    weights_file = out.with_suffix(".safetensors")
    for path in (out, weights_file):  # before the (slow) import: say at once what would be overwritten
        refuse_overwrite(path, args.force, allow="add --force to replace the project and its weights")
    try:
        result = import_torch(args.module, inputs, weights=args.weights, name=args.name, verify=not args.no_verify)
    except OnnxImportError as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print_import_summary(result.project, args.module, result.max_abs_diff, result.notes,
                         "the module's ONNX export in onnxruntime")
    for path in (out, weights_file):  # again: the import may have taken a while
        refuse_overwrite(path, args.force, allow="add --force to replace the project and its weights")
    _write_project_and_weights(result.project, result.state, out, weights_file)
    print(f"wrote {out} and {weights_file}")
    return EXIT_OK
