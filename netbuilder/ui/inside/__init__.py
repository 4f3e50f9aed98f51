"""Look inside a trained network: layer outputs, weight and gradient histograms, and Try it."""
