"""After every export: the ONNX checker, then onnxruntime against torch on the same random input."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence

import numpy as np
import torch

from netbuilder.export.errors import ExportError

TOLERANCE = 1e-4
BATCH_SIZES = (1, 7)  # 1 and an odd size: a batch axis that was baked in as 2 fails one of them


@dataclass
class ParityResult:
    """The largest absolute difference between torch and onnxruntime, per batch size."""

    max_abs_diff: dict[int, float] = field(default_factory=dict)
    tolerance: float = TOLERANCE
    engine: str = "onnxruntime"  # or "onnx.reference" where onnxruntime cannot run the model
    largest: float = 0.0  # the largest |output|: float32 rounding grows with it

    @property
    def worst(self) -> float:
        return max(self.max_abs_diff.values(), default=0.0)

    @property
    def ok(self) -> bool:
        return self.worst <= self.tolerance

    def __str__(self) -> str:
        parts = ", ".join(f"batch {b}: {d:.2e}" for b, d in self.max_abs_diff.items())
        return f"max |torch − onnxruntime| {parts} (tolerance {self.tolerance:g})"


def check_model(path: str | os.PathLike) -> None:
    """``onnx.checker`` with full shape checking; an ExportError says what is wrong."""
    import onnx

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise ExportError(f"{path}: the ONNX checker rejects the exported model: {exc}") from None


def random_inputs(shapes: Sequence[tuple[tuple[int, ...], str]], batch: int, seed: int) -> list[np.ndarray]:
    """One input per (per-sample dims, dtype); ints are small ids so any Embedding accepts them."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for dims, dtype in shapes:
        if dtype == "int":
            out.append(torch.randint(0, 2, (batch, *dims), generator=gen).numpy())
        else:
            out.append(torch.randn(batch, *dims, generator=gen).numpy())
    return out


def compare(path: str | os.PathLike, run_torch: Callable[..., object], input_names: list[str],
            shapes: Sequence[tuple[tuple[int, ...], str]], *, batch_sizes: Sequence[int] = BATCH_SIZES,
            tolerance: float = TOLERANCE, seed: int = 0, reference_fallback: bool = False) -> ParityResult:
    """Run the ONNX file in onnxruntime and ``run_torch`` on the same inputs; raise if they differ.

    ``run_torch(*tensors)`` returns a tensor or a tuple of tensors in the ONNX
    output order. An ExportError is raised (naming the batch size and output)
    when the difference exceeds ``tolerance`` or the shapes disagree. With
    ``reference_fallback``, a model onnxruntime cannot load (it lacks some
    attribute combinations, e.g. batch-first RNNs) runs in onnx's reference
    evaluator instead.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4  # fatal only: failures come back as exceptions with the same text
    result = ParityResult(tolerance=tolerance)
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        output_names = [o.name for o in session.get_outputs()]
        run = session.run
    except Exception as exc:
        if not reference_fallback:
            raise ExportError(f"{path}: onnxruntime cannot load the exported model: {exc}") from None
        import onnx
        from onnx.reference import ReferenceEvaluator

        evaluator = ReferenceEvaluator(onnx.load(str(path)))
        output_names, run, result.engine = list(evaluator.output_names), evaluator.run, "onnx.reference"
    for i, batch in enumerate(batch_sizes):
        arrays = random_inputs(shapes, batch, seed + i)
        try:
            got = run(None, dict(zip(input_names, arrays)))
        except Exception as exc:
            raise ExportError(f"{path}: {result.engine} fails on a batch of {batch} ({exc}) — the batch axis may "
                              "not be dynamic") from None
        with torch.no_grad():
            want = run_torch(*[torch.from_numpy(a) for a in arrays])
        want = list(want) if isinstance(want, (tuple, list)) else [want]
        worst = 0.0
        for name, w, g in zip(output_names, want, got):
            result.largest = max(result.largest, float(np.max(np.abs(g))) if g.size else 0.0)
            w = w.detach().cpu().numpy()
            if w.shape != g.shape:
                raise ExportError(f"{path}: output '{name}' has shape {list(g.shape)} in onnxruntime but "
                                  f"{list(w.shape)} in torch (batch {batch})")
            diff = float(np.max(np.abs(w.astype(np.float64) - g.astype(np.float64)))) if w.size else 0.0
            if not np.isfinite(diff):
                diff = float("inf")
            worst = max(worst, diff)
        result.max_abs_diff[batch] = worst
    if not result.ok:
        hint = ""
        if result.worst < 1e-6 * max(result.largest, 1.0):
            hint = (f"; the outputs reach {result.largest:.1e}, so this is float32 rounding — if that is acceptable, "
                    "raise the tolerance (--tolerance)")
        raise ExportError(f"{path}: {result.engine} and torch disagree: {result}{hint} — the export is refused")
    return result
