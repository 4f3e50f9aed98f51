"""`netbuilder train PROJECT`: train from the command line with a progress bar, or JSON lines with ``--json``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from netbuilder.cli.support import stop_on_interrupt
from netbuilder.cli.support import EXIT_ERRORS as EXIT_FAILED
from netbuilder.cli.support import EXIT_OK, EXIT_STOPPED, EXIT_UNREADABLE, check_fits, project_errors, setting_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a .nbproj file")
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of the project's setting")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"),
                        help="where to train (default: the project's setting; auto = CUDA, then MPS, then CPU)")
    parser.add_argument("--out", metavar="DIR", help="exactly where the checkpoints and history go (default: a new "
                        "folder per run, runs/<project name>/<date-time>/ beside the project; `netbuilder runs` "
                        "lists them)")
    parser.add_argument("--tensorboard", metavar="DIR", help="also write TensorBoard event files (epoch figures and "
                        "learning rate), in DIR/<run folder name>/: `tensorboard --logdir DIR` shows every run")
    parser.add_argument("--json", action="store_true", help="print one JSON object per epoch and a final one")
    parser.add_argument("--init-from", metavar="CKPT", help="start layers from another project's checkpoint "
                        "(.safetensors), matched by node name; overrides the project's 'Start from' setting "
                        "(training.start_from) for this run")
    parser.add_argument("--freeze-loaded", action="store_true", help="with --init-from: keep the loaded layers "
                        "fixed and train only the others")
    parser.add_argument("--precision", choices=("auto", "fp32"), help="auto: bf16 autocast on GPUs that have it, "
                        "fp16 with a gradient scaler on those that do not, fp32 on the CPU (default: the project's "
                        "setting)")
    parser.add_argument("--compile", choices=("off", "default", "max-autotune"), help="train through "
                        "torch.compile (the compile time is reported apart; eager when it fails)")


def _fmt(metrics: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.4f}" if k != "accuracy" else f"acc {v:.3f}" for k, v in metrics.items())


class ProgressPrinter:
    """A one-line progress bar on a terminal (or one line per epoch elsewhere), then a summary."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_draw = 0.0

    def on_run_start(self, e) -> None:
        print(f"training {e.project} ({e.scheme}) on {e.device}: {e.dataset}", file=self.stream)
        for note in e.notes:
            print(f"  note: {note}", file=self.stream)

    def on_batch_end(self, e) -> None:
        now = time.perf_counter()
        if not self.tty or now - self.last_draw < 0.1:  # redraw at most ten times a second
            return
        self.last_draw = now
        width = 24
        filled = int(width * e.batch / max(e.batches_per_epoch, 1))
        bar = "#" * filled + "." * (width - filled)
        line = (f"epoch {e.epoch}/{e.epochs} [{bar}] {e.batch}/{e.batches_per_epoch} loss {e.loss:.4f} "
                f"{_fmt(e.metrics)} {e.samples_per_s:,.0f} samples/s")
        self.stream.write("\r" + line[:150].ljust(150))
        self.stream.flush()

    def on_epoch_end(self, e) -> None:
        val = f" | val {_fmt(e.val)}" if e.val else ""
        mark = " *" if e.improved else ""
        line = f"epoch {e.epoch}/{e.epochs} train {_fmt(e.train)}{val} ({e.seconds:.1f}s){mark}"
        self.stream.write(("\r" + line.ljust(150) if self.tty else line) + "\n")
        self.stream.flush()

    def on_run_end(self, r) -> None:
        print(f"{r.reason}: {r.message}", file=self.stream)
        for note in r.notes:
            print(f"  note: {note}", file=self.stream)
        if r.metrics:
            print("final: " + ", ".join(f"{k} {v:.4f}" for k, v in r.metrics.items()), file=self.stream)
        if r.best_checkpoint:
            print(f"best checkpoint: {r.best_checkpoint}\nlast checkpoint: {r.last_checkpoint}", file=self.stream)


class JsonLines:
    """One JSON object per epoch, then a final one, on stdout."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def on_epoch_end(self, e) -> None:
        print(json.dumps({"event": "epoch", **e.to_dict()}), file=self.stream, flush=True)

    def on_run_end(self, r) -> None:
        print(json.dumps({"event": "finished", **r.to_dict()}), file=self.stream, flush=True)


def run(args: argparse.Namespace) -> int:
    from netbuilder.cli.support import open_project
    from netbuilder.graph.runs import EndReason
    from netbuilder.train import Control, FunctionCallback, InitFrom, Trainer

    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    if args.freeze_loaded and not args.init_from:
        print("--freeze-loaded needs --init-from CKPT (the checkpoint whose layers to load)", file=sys.stderr)
        return EXIT_UNREADABLE
    setting_option(args.epochs, "--epochs", "epochs")  # the range a project file may hold: 1 to 100,000
    if args.precision:
        project.training.precision = args.precision
    if args.compile:
        project.training.compile = args.compile
    errors = project_errors(project, list(project.graphs), args.project)
    if errors:  # the diagnostics, as `validate` words them, rather than a run that cannot start
        print("\n".join(errors), file=sys.stderr)
        print(f"{args.project}: not trained — fix the {len(errors)} error(s) above first", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        # stdout carries only JSON, one object per line, for scripts to read.
        sink = JsonLines(sys.stdout)
        hooks = FunctionCallback(on_epoch_end=sink.on_epoch_end, on_run_end=sink.on_run_end)
    else:
        from netbuilder.data import TextProgress

        printer = ProgressPrinter(sys.stdout)
        hooks = FunctionCallback(on_run_start=printer.on_run_start, on_batch_end=printer.on_batch_end,
                                 on_epoch_end=printer.on_epoch_end, on_run_end=printer.on_run_end,
                                 on_data=TextProgress(sys.stdout))
    # Checked here too, so a missing GPU or a bad --init-from file is one line, not a run that fails to start.
    from netbuilder.train.checkpoint import check_checkpoint
    from netbuilder.train.device import pick_device

    device = pick_device(args.device or project.training.device)
    # Before building: a network too large for this machine is refused with the figure. On a GPU the
    # host only builds it (the weights); on the CPU it must also hold the gradients, optimiser and activations.
    check_fits(project, None, args.project, training=device.type == "cpu")
    if args.init_from:
        check_checkpoint(args.init_from)
    callbacks: list = [hooks]  # and TensorBoard's, when asked
    if args.tensorboard:
        from netbuilder.train.tensorboard import TensorBoardEvents, TensorBoardUnavailable

        try:
            callbacks.append(TensorBoardEvents(args.tensorboard))
        except TensorBoardUnavailable as exc:
            print(f"--tensorboard: {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
    control = Control()
    init = InitFrom(args.init_from, args.freeze_loaded) if args.init_from else None
    trainer = Trainer(project, callbacks=callbacks, control=control, device=args.device, out_dir=args.out,
                      epochs=args.epochs, init_from=init)
    # Before the first batch: a run whose checkpoints cannot be written is not started.
    from netbuilder.graph.files import check_writable_folder

    check_writable_folder(trainer.out_dir)

    try:
        with stop_on_interrupt(control.request_stop):  # first Ctrl-C: stop after this batch and save
            result = trainer.run()
    finally:
        if not args.out:  # the run's own folder, made for it: gone again when the run left nothing in it
            from netbuilder.graph.runs import discard_if_empty

            discard_if_empty(trainer.out_dir)
    if result.reason in (EndReason.COMPLETED, EndReason.EARLY_STOPPED):
        return EXIT_OK
    if result.reason == EndReason.STOPPED:
        return EXIT_STOPPED
    if result.details and not args.json:
        print(result.details, file=sys.stderr)
    return EXIT_FAILED
