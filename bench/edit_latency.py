"""Edit latency of the graph core: one edit + revalidation + shape re-inference on big graphs.

Builds random valid graphs (chains of Linear/activation blocks with residual Adds) of
100, 500 and 1,000 nodes and times, per edit, the mutation plus a full `analyze()`.
Target: < 20 ms at 500 nodes.
"""

from __future__ import annotations

import random
import statistics
import time

from netbuilder.graph import Graph, analyze

ACTIVATIONS = ["ReLU", "Tanh", "LeakyReLU", "GELU", "Dropout"]


def random_graph(n_nodes: int, seed: int = 0) -> Graph:
    rng = random.Random(seed)
    g = Graph()
    x = g.add_node("Input", params={"kind": "tabular", "features": 32})
    prev, history = x, [x]
    while len(g.nodes) < n_nodes - 4:
        if len(history) > 4 and rng.random() < 0.15:
            add = g.add_node("Add")
            g.connect(prev.id, "out", add.id, "a")
            g.connect(rng.choice(history[-8:-1]).id, "out", add.id, "b")
            node = add
        else:
            node = g.add_node(rng.choice(["Linear", *ACTIVATIONS]), params=None)
            if node.type == "Linear":
                g.set_param(node.id, "out_features", 32)
            g.connect(prev.id, "out", node.id, "in")
        prev = node
        history.append(node)
    head = g.add_node("Linear", params={"out_features": 3})
    g.connect(prev.id, "out", head.id, "in")
    t, loss, out = g.add_node("Target", params={"classes": 3}), g.add_node("CrossEntropyLoss"), g.add_node("Output")
    g.connect(head.id, "out", loss.id, "pred")
    g.connect(t.id, "out", loss.id, "target")
    g.connect(head.id, "out", out.id, "in")
    return g


def time_edits(g: Graph, rounds: int = 30) -> dict[str, float]:
    rng = random.Random(1)
    linears = [n.id for n in g.nodes.values() if n.type == "Linear"]
    relus = [n.id for n in g.nodes.values() if n.type == "ReLU"]
    results: dict[str, list[float]] = {"set parameter": [], "add + wire node": [], "move node": []}
    for _ in range(rounds):
        nid = rng.choice(linears)
        t0 = time.perf_counter()
        g.set_param(nid, "bias", not g.nodes[nid].params["bias"])
        analyze(g)
        results["set parameter"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        node = g.add_node("Sigmoid")
        g.connect(rng.choice(relus), "out", node.id, "in")
        analyze(g)
        results["add + wire node"].append(time.perf_counter() - t0)
        g.remove_node(node.id)
        analyze(g)  # the editor re-analyses after every edit; a move then finds the result cached

        t0 = time.perf_counter()
        g.move(nid, (rng.random() * 1000, rng.random() * 1000))
        analyze(g)
        results["move node"].append(time.perf_counter() - t0)
    return {k: statistics.median(v) * 1000 for k, v in results.items()}


def main() -> None:
    print(f"{'nodes':>6}  {'edit':<16} {'median ms':>10}")
    verdict = None
    for n in (100, 500, 1000):
        g = random_graph(n)
        assert analyze(g).ok, "benchmark graph must be valid"
        for edit, ms in time_edits(g).items():
            print(f"{len(g.nodes):>6}  {edit:<16} {ms:>10.2f}")
            if n == 500:
                verdict = ms if verdict is None else max(verdict, ms)
    print(f"\nworst edit at 500 nodes: {verdict:.2f} ms — target < 20 ms: {'PASS' if verdict < 20 else 'FAIL'}")


if __name__ == "__main__":
    main()
