"""bughunt: learn PyTorch by hunting bugs injected into correct reference code."""

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """`%load_ext bughunt`: the `%%bughunt` magic, and `bh` (`bughunt.notebook`) in the namespace.
    Imported only here, so `import bughunt` stays light (no torch, no IPython)."""
    import bughunt.notebook as bh
    from bughunt.notebook import magic

    magic.register(ipython)
    ipython.push({"bh": bh})
