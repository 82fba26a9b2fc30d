"""Challenge stubs, made from the reference by a libcst rewrite so they never drift from it.

Imports, signatures, class skeletons (bases, decorators, class-level fields) and docstrings
stay; every function or method body becomes its docstring, a `# TODO`, and
`raise NotImplementedError`. The `if __name__ == "__main__":` demo stays, so running the
file shows the learner how far they got.
"""

from __future__ import annotations

import libcst as cst


def _docstring_statement(body: cst.BaseSuite) -> cst.SimpleStatementLine | None:
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    first = body.body[0]
    if (isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1
            and isinstance(first.body[0], cst.Expr)
            and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))):
        return first
    return None


class _StubBodies(cst.CSTTransformer):
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # the body is replaced whole: nothing inside needs visiting

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        kept = _docstring_statement(original_node.body)
        todo = cst.SimpleStatementLine(
            body=[cst.Raise(exc=cst.Name("NotImplementedError"))],
            leading_lines=[cst.EmptyLine(comment=cst.Comment(
                f"# TODO: implement {original_node.name.value} (the docstring says what and why)"))],
        )
        return updated_node.with_changes(body=cst.IndentedBlock(body=[*([kept] if kept else []), todo]))


def make_stub(reference_source: str) -> str:
    """The challenge text for a reference module: same interface, no implementation."""
    return cst.parse_module(reference_source).visit(_StubBodies()).code


def function_bodies(source: str) -> list[str]:
    """The code of every function body in `source`, docstring removed (for comparisons)."""
    bodies: list[str] = []
    module = cst.parse_module(source)

    class _Collect(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            statements = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
            if statements and statements[0] is _docstring_statement(node.body):
                statements = statements[1:]
            code = "".join(module.code_for_node(s) for s in statements).strip()
            if code:
                bodies.append(code)

    module.visit(_Collect())
    return bodies
