import ast
from textwrap import dedent

from bughunt.challenge import function_bodies, make_stub

REFERENCE = dedent('''
    """A module."""
    import torch
    from torch import nn

    SCALE = 2


    class Block(nn.Module):
        """A block."""

        expansion = 4

        def __init__(self, width: int) -> None:
            super().__init__()
            self.linear = nn.Linear(width, width)

        def forward(self, x):
            return self.linear(x) * SCALE


    def helper(x):
        y = x + 1
        return y


    if __name__ == "__main__":
        print(helper(1))
''')


def test_bodies_become_todo_and_not_implemented():
    stub = make_stub(REFERENCE)
    ast.parse(stub)
    assert stub.count("raise NotImplementedError") == 3
    assert "# TODO: implement forward" in stub
    assert "self.linear" not in stub and "y = x + 1" not in stub


def test_interface_docstrings_and_demo_stay():
    stub = make_stub(REFERENCE)
    for kept in ('"""A module."""', "import torch", "SCALE = 2", "class Block(nn.Module):", '"""A block."""',
                 "expansion = 4", "def __init__(self, width: int) -> None:", "def helper(x):",
                 'if __name__ == "__main__":'):
        assert kept in stub


def test_no_reference_body_survives():
    stub_bodies = set(function_bodies(make_stub(REFERENCE)))
    assert not stub_bodies & set(function_bodies(REFERENCE))


def test_stubbing_is_idempotent():
    once = make_stub(REFERENCE)
    assert make_stub(once) == once
