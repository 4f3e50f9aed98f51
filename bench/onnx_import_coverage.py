"""How many public ONNX models netbuilder imports, and whether they still compute the same after a round trip.

Run: `.venv/bin/python bench/onnx_import_coverage.py [--only NAME ...] [--tolerance 1e-4]`.

Two sets ship inside the installed `onnx` package, so nothing is downloaded:

- ``backend/test/data/pytorch-converted``: PyTorch's operator tests exported to ONNX (opset 6), one small
  model per layer configuration. 3-D cases (``*3d*``: volumes, 3-D inputs to 1-D layers) and the sparse
  embedding are left out: netbuilder draws 1-D and 2-D networks.
- ``backend/test/data/light``: the model-zoo classics (AlexNet, ResNet-50, ...) at their original opset 9,
  with their weights thinned but their structure intact.

For each model it prints whether `import_onnx` took it (or the first lines of its refusal), then exports the
imported project again with `export_onnx` (what ``netbuilder export`` runs), feeds the exported file the
model's own test input (``test_data_set_0/input_*.pb``; for the light models the input the ONNX backend
tests generate, ``arange(n) / n``) and prints the largest difference from the expected output.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from netbuilder.export.errors import ExportError, OnnxImportError
from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_out import export_onnx

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
LEFT_OUT = re.compile(r"3d|sparse", re.IGNORECASE)
TOLERANCE = 1e-4
RELAXED = 1e-2  # the export check's tolerance when its random inputs meet float32 rounding (see the notes printed)


@dataclass
class Case:
    """One public model: where it is, its test inputs and the outputs it must give."""

    set_name: str
    name: str
    model: Path
    inputs: list[np.ndarray]
    expected: list[np.ndarray]


@dataclass
class Outcome:
    case: Case
    imported: bool
    refusal: str = ""  # why it was refused, or a note on how it got through
    max_diff: float | None = None
    seconds: float = 0.0

    @property
    def reproduces(self) -> bool:
        return self.max_diff is not None and self.max_diff <= TOLERANCE


def _read(path: Path) -> np.ndarray:
    tensor = onnx.TensorProto()
    tensor.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(tensor)


def operator_cases() -> list[Case]:
    cases = []
    for folder in sorted((DATA / "pytorch-converted").iterdir()):
        if LEFT_OUT.search(folder.name):
            continue
        data = folder / "test_data_set_0"
        cases.append(Case("operators", folder.name.removeprefix("test_"), folder / "model.onnx",
                          [_read(p) for p in sorted(data.glob("input_*.pb"))],
                          [_read(p) for p in sorted(data.glob("output_*.pb"))]))
    return cases


def _backend_test_input(model: onnx.ModelProto) -> list[np.ndarray]:
    """The input the ONNX backend tests feed the light models: arange(n) / n in the input's shape."""
    inits = {i.name for i in model.graph.initializer}
    arrays = []
    for inp in model.graph.input:
        if inp.name in inits:
            continue
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in inp.type.tensor_type.shape.dim)
        n = int(np.prod(shape))
        arrays.append((np.arange(n).reshape(shape) / n).astype(np.float32))
    return arrays


def zoo_cases() -> list[Case]:
    cases = []
    for path in sorted((DATA / "light").glob("*.onnx")):
        model = onnx.load(str(path))
        expected = [_read(p) for p in sorted(path.parent.glob(f"{path.stem}_output_*.pb"))]
        cases.append(Case("zoo", path.stem.removeprefix("light_"), path, _backend_test_input(model), expected))
    return cases


def _round_trip(case: Case, folder: Path) -> Outcome:
    import onnxruntime as ort

    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            project, state = import_onnx(case.model)
    except OnnxImportError as exc:
        return Outcome(case, False, str(exc), seconds=time.perf_counter() - start)
    exported = folder / f"{case.name}.onnx"
    note = ""
    try:
        export_onnx(project, exported, weights=state)
    except ExportError as exc:
        if "disagree" not in str(exc):
            return Outcome(case, True, f"imported, but the export failed: {exc}",
                           seconds=time.perf_counter() - start)
        # The export's own check (random inputs) failed on rounding: what `netbuilder export --tolerance` is for.
        try:
            export_onnx(project, exported, weights=state, tolerance=RELAXED)
        except ExportError as again:
            return Outcome(case, True, f"imported, but the export failed: {again}",
                           seconds=time.perf_counter() - start)
        note = f"export needed --tolerance {RELAXED:g}: {str(exc).split(': ', 1)[-1][:90]}"
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), case.inputs)}
    got = session.run(None, feeds)
    diffs = [float(np.max(np.abs(g.astype(np.float64) - e.astype(np.float64)))) if g.shape == e.shape else np.inf
             for g, e in zip(got, case.expected)]
    return Outcome(case, True, note, max_diff=max(diffs, default=np.inf), seconds=time.perf_counter() - start)


def _line(outcome: Outcome) -> str:
    name = f"{outcome.case.set_name:9} {outcome.case.name:40}"
    if not outcome.imported:
        reasons = [ln.strip() for ln in outcome.refusal.splitlines()[1:4]] or [outcome.refusal]
        more = " …" if len(outcome.refusal.splitlines()) > 4 else ""
        return f"{name} refused   {' | '.join(reasons)}{more}"
    if outcome.max_diff is None:
        return f"{name} imported  {outcome.refusal}"
    verdict = "ok  " if outcome.reproduces else "DIFF"
    note = f"  [{outcome.refusal}]" if outcome.refusal else ""
    return f"{name} {verdict}      max |diff| {outcome.max_diff:.2e}  ({outcome.seconds:.1f} s){note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="run only models whose name contains one of these")
    parser.add_argument("--set", choices=("operators", "zoo", "both"), default="both")
    args = parser.parse_args()
    torch.set_num_threads(2)
    cases = ([] if args.set == "zoo" else operator_cases()) + ([] if args.set == "operators" else zoo_cases())
    if args.only:
        cases = [c for c in cases if any(o.lower() in c.name.lower() for o in args.only)]
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            outcome = _round_trip(case, Path(tmp))
            outcomes.append(outcome)
            print(_line(outcome), flush=True)
    print()
    for set_name in ("operators", "zoo"):
        part = [o for o in outcomes if o.case.set_name == set_name]
        if part:
            imported = sum(o.imported and o.max_diff is not None for o in part)
            same = sum(o.reproduces for o in part)
            print(f"{set_name}: {imported} of {len(part)} imported and exported again; {same} of {len(part)} "
                  f"reproduce the expected outputs within {TOLERANCE:g}")


if __name__ == "__main__":
    main()
