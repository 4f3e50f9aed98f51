"""The ways a project trains, as data: one `SchemeSpec` per scheme, in one registry.

A scheme says which graphs a project has and what each is for, which graph
the data set feeds, whether the data's labels feed a Target, which graph is
exported first, and the checks that span graphs. The Trainer, the exports and
the window read this descriptor; none of them spells a scheme's name. The
training side of a scheme is one class in `netbuilder.train.schemes`,
registered under the same name. Adding a scheme = one `SchemeSpec` here (or
from a plug-in, through `register_scheme`) + one class there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from netbuilder.graph.diagnostics import ERROR, Diagnostic

if TYPE_CHECKING:
    from netbuilder.graph.analysis import Analysis
    from netbuilder.graph.catalog import TensorShape
    from netbuilder.graph.project import Project

# What a graph is for decides which missing pieces are errors (see analysis.REQUIRES).
Purpose = Literal["train", "generator", "discriminator", "inference", "edit"]

ProjectCheck = Callable[["Project", "dict[str, Analysis]"], list[Diagnostic]]


@dataclass(frozen=True)
class SchemeSpec:
    """One training scheme, described for every part that is not the training loop itself."""

    name: str  # the key stored in the project file (training.scheme)
    title: str  # shown in the window
    description: str
    graphs: Mapping[str, Purpose]  # the graphs the scheme trains, in order, and what each is for
    data_graph: str  # the graph whose Input the data set feeds
    uses_labels: bool = False  # the data set's labels feed the data graph's Target
    main_graph: str = ""  # exported and shown first (default: the first graph)
    extra_exports: tuple[str, ...] = ()  # graphs that can be exported beside the main one (a GAN's critic)
    checks: tuple[ProjectCheck, ...] = field(default=())

    @property
    def first_graph(self) -> str:
        return self.main_graph or next(iter(self.graphs))

    def purpose(self, graph_name: str) -> Purpose:
        return self.graphs.get(graph_name, "edit")

    def takes_data(self, graph_name: str) -> bool:
        """Whether ``graph_name``'s Input is fed from the data set (a generator's is fed noise)."""
        return graph_name == self.data_graph or self.purpose(graph_name) in ("train", "inference", "edit")


SCHEMES: dict[str, SchemeSpec] = {}


def register_scheme(spec: SchemeSpec) -> SchemeSpec:
    """Add (or replace) a scheme; the project file, checks, exports and window pick it up."""
    SCHEMES[spec.name] = spec
    return spec


def scheme_spec(name: str) -> SchemeSpec | None:
    return SCHEMES.get(name)


def scheme_names() -> tuple[str, ...]:
    return tuple(SCHEMES)


# ---- checks that span graphs -------------------------------------------------------------------
def _output_shapes(project: Project, results: dict[str, Analysis], name: str) -> list[tuple[str, TensorShape | None]]:
    g, a = project.graphs[name], results[name]
    return [(e.source, a.edge_shapes.get(e.id)) for n in g.nodes.values() if n.spec.role == "output"
            for e in g.edges_into(n.id)]


def loss_target_is_the_input(project: Project, results: dict[str, Analysis]) -> list[Diagnostic]:
    """An autoencoder's loss compares the output with the Input itself."""
    diags: list[Diagnostic] = []
    g = project.graphs["model"]
    for node in g.nodes.values():
        if node.spec.role == "loss":
            edge = g.edge_into(node.id, "target")
            if edge is not None and g.nodes[edge.source].spec.role != "input":
                diags.append(Diagnostic(ERROR, "scheme", f"{node.type} '{node.name}': an autoencoder learns to "
                                        "rebuild its input, so wire the Input into the loss's target port",
                                        node.id, graph="model"))
    return diags


def generator_fits_discriminator(project: Project, results: dict[str, Analysis]) -> list[Diagnostic]:
    """A GAN: noise of the latent size in, samples the critic takes, one score per sample out."""
    diags: list[Diagnostic] = []
    latent = project.training.latent_dim
    gen = _output_shapes(project, results, "generator")
    disc = _output_shapes(project, results, "discriminator")
    disc_inputs = [n for n in project.graphs["discriminator"].nodes.values() if n.spec.role == "input"]
    gen_inputs = [n for n in project.graphs["generator"].nodes.values() if n.spec.role == "input"]
    for n in gen_inputs:
        if n.values()["kind"] != "tabular" or n.values()["features"] != latent:
            diags.append(Diagnostic(ERROR, "scheme", f"Input '{n.name}': the generator's Input is its noise "
                                    f"vector, so it must be tabular with {latent} features "
                                    "(the latent size in the training settings)", n.id, graph="generator"))
    made = gen[0][1] if len(gen) == 1 else None
    if made is not None and len(disc_inputs) == 1:
        disc_in = results["discriminator"].output_shape(disc_inputs[0].id)
        if disc_in is not None and disc_in.dims != made.dims:
            diags.append(Diagnostic(ERROR, "scheme", f"the generator makes {made.sample} samples but the "
                                    f"discriminator's Input '{disc_inputs[0].name}' takes {disc_in.sample} — "
                                    "make them the same", disc_inputs[0].id, graph="discriminator"))
    for src, shape in disc:
        if shape is not None and shape.dims != (1,):
            node = project.graphs["discriminator"].nodes[src]
            diags.append(Diagnostic(ERROR, "scheme", f"{node.type} '{node.name}': the discriminator must end in "
                                    f"one score per sample (shape 1) but gives {shape.sample} — end it with "
                                    "Linear(out_features=1)", src, graph="discriminator"))
    return diags


SUPERVISED = register_scheme(SchemeSpec(
    "supervised", "Supervised", "a loss fed by the network's prediction and a Target from the data's labels",
    {"model": "train"}, data_graph="model", uses_labels=True))
RECONSTRUCTION = register_scheme(SchemeSpec(
    "reconstruction", "Reconstruction (autoencoder)", "the loss compares the output with the input itself",
    {"model": "train"}, data_graph="model", checks=(loss_target_is_the_input,)))
ADVERSARIAL = register_scheme(SchemeSpec(
    "adversarial", "Adversarial (GAN)", "a generator learns to fool a discriminator that learns real from fake",
    {"generator": "generator", "discriminator": "discriminator"}, data_graph="discriminator",
    extra_exports=("discriminator",), checks=(generator_fits_discriminator,)))
