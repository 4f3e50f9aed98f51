"""netbuilder's data files: example projects (File › New templates), the built-in text, the icons.

This folder stays at the top of the repository and installs as the package ``netbuilder.resources``
(see ``[tool.setuptools]`` in pyproject.toml), so code reads it the same way from a checkout, an
editable install and a wheel: ``importlib.resources.files("netbuilder.resources") / "examples"``.
"""
