"""bughunt: learn PyTorch by hunting bugs injected into correct reference code."""

__version__ = "0.1.0"
