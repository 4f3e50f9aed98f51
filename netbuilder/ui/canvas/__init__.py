"""The node-graph canvas: scene (follows the model), items, view, wire dragging."""
