"""Residual and dense networks built by hand, for the grouping and layout tests (no torch)."""

from __future__ import annotations

from netbuilder.graph import Graph


def residual_net(blocks: int = 3, *, paths: bool = False) -> tuple[Graph, dict[str, str]]:
    """Input -> Conv -> ``blocks`` × (Conv, ReLU, Conv, Add with the skip, ReLU) -> Flatten -> Linear -> Output.

    Returns the graph and, when ``paths``, the PyTorch module path of each layer as an exporter would leave
    it (``layer1.0.conv1``); otherwise no paths, as in models named by output ids.
    """
    g = Graph()
    module: dict[str, str] = {}

    def add(layer: str, path: str, **params: object) -> str:
        node = g.add_node(layer, params=params)
        module[node.id] = path
        return node.id

    x = add("Input", "", kind="image", channels=4, height=8, width=8)
    prev = add("Conv2d", "stem", out_channels=4, kernel_size=3, padding=1)
    g.connect(x, "out", prev, "in")
    for b in range(blocks):
        at = f"layer1.{b}"
        c1 = add("Conv2d", f"{at}.conv1", out_channels=4, kernel_size=3, padding=1)
        r = add("ReLU", f"{at}.relu")
        c2 = add("Conv2d", f"{at}.conv2", out_channels=4, kernel_size=3, padding=1)
        s = add("Add", at)
        out = add("ReLU", at)
        for a, bb, port in [(prev, c1, "in"), (c1, r, "in"), (r, c2, "in"), (c2, s, "a"), (prev, s, "b"),
                            (s, out, "in")]:
            g.connect(a, "out", bb, port)
        prev = out
    flat, fc, o = add("Flatten", "flatten"), add("Linear", "fc", out_features=3), add("Output", "")
    for a, bb in [(prev, flat), (flat, fc), (fc, o)]:
        g.connect(a, "out", bb, "in")
    return g, (module if paths else {})
