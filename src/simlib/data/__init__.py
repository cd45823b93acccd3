"""The data layer: the :class:`Dataset`, its loaders and validation, the sample generator."""

from simlib.data.dataset import Dataset

__all__ = ["Dataset", "load_dataset"]


def __getattr__(name: str):
    # Loaders and the generator import lazily so `import simlib` stays fast.
    if name == "load_dataset":
        from simlib.data.io import load_dataset

        return load_dataset
    if name in ("synthetic", "io", "validate", "columns", "parse", "health", "tenure", "checks"):
        import importlib

        return importlib.import_module(f"simlib.data.{name}")
    # internal: Python's own attribute protocol, worded as Python words it
    raise AttributeError(f"module 'simlib.data' has no attribute {name!r}")
