"""sampler-epoch: data-parallel training loses the bookkeeping that keeps its ranks apart.

Three rewrites. A `sampler.set_epoch(epoch)` statement is deleted: a DistributedSampler then
deals every epoch in epoch 0's order. An `if rank == 0:` guard (a name ending in `rank`, or
`get_rank()`, compared with 0; no `else`) is dropped and its body runs on every rank, so every
rank writes the checkpoint and prints. A DataLoader's `sampler=DistributedSampler(...)`
becomes `shuffle=True`: each rank shuffles the whole dataset instead of reading its shard.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import TIGHT_EQUAL, last_name
from mutators._base import Mutator

_SET_EPOCH = m.SimpleStatementLine(body=[m.Expr(value=m.Call(func=m.Attribute(attr=m.Name("set_epoch"))))])
_DISTRIBUTED_SAMPLER = m.Call(func=m.Name("DistributedSampler") | m.Attribute(attr=m.Name("DistributedSampler")))
_SAMPLER_ARG = m.Arg(keyword=m.Name("sampler"), value=_DISTRIBUTED_SAMPLER)


def _names_a_rank(expr: cst.BaseExpression) -> bool:
    """`rank`, `self.rank`, `global_rank`, `dist.get_rank()`."""
    if isinstance(expr, cst.Call):
        return last_name(expr.func) == "get_rank"
    name = last_name(expr)
    return name is not None and name.lower().endswith("rank")


def _is_zero(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Integer) and int(expr.value, 0) == 0


def _is_rank_zero(test: cst.BaseExpression) -> bool:
    """`rank == 0` or `0 == rank`."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    left, right = test.left, target.comparator
    return (_names_a_rank(left) and _is_zero(right)) or (_is_zero(left) and _names_a_rank(right))


def _unguarded(node: cst.If) -> cst.FlattenSentinel:
    """The body of `node`, one level out; the lines above the `if` stay above its first line."""
    statements = list(node.body.body)
    first = statements[0]
    statements[0] = first.with_changes(leading_lines=[*node.leading_lines, *first.leading_lines])
    return cst.FlattenSentinel(statements)


class SamplerEpoch(Mutator):
    ID = "sampler-epoch"
    TITLE = "Distributed sampler and rank bookkeeping"
    EFFECT = r"shard|rank|order|checkpoint|sampler|epoch"
    LOUD = False
    HINT = ("Every rank runs the same code. For each step ask whether it must differ between "
            "ranks (which samples), change from epoch to epoch (their order), or happen once "
            "for the whole job (writing files, printing).")
    LESSON = (
        "In DistributedDataParallel training, each of the world_size processes runs the same "
        "script, and only three things keep them from doing the same work. A "
        "DistributedSampler deals each rank its own shard of one permutation, drawn from a "
        "seed every rank shares; a DataLoader shuffling on its own instead gives every rank "
        "the whole dataset, so an epoch trains on each sample world_size times. The sampler's "
        "permutation depends on the epoch only through sampler.set_epoch(epoch): forget the "
        "call and every epoch replays epoch 0's order, the same batches in the same sequence. "
        "And the ranks hold identical weights, so side effects belong to one of them: without "
        "`if rank == 0:` every rank writes the same checkpoint file at once (corrupting it on a "
        "shared disk) and prints every log line world_size times. Nothing crashes in any of "
        "these. Log each rank's first sample indices per epoch, and count who writes."
    )

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.matches(original_node, _SET_EPOCH):
            return self.offer(original_node, updated_node, cst.RemoveFromParent, "delete set_epoch()")
        return updated_node

    def leave_If(self, original_node: cst.If, updated_node: cst.If):
        result = super().leave_If(original_node, updated_node)
        if (result is not updated_node or updated_node.orelse is not None
                or not isinstance(updated_node.body, cst.IndentedBlock)
                or not _is_rank_zero(original_node.test)):
            return result
        return self.offer(original_node.test, updated_node, lambda: _unguarded(updated_node),
                          "drop the rank-0 guard")

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg):
        if m.matches(original_node, _SAMPLER_ARG):
            return self.offer(original_node, updated_node, lambda: cst.Arg(
                value=cst.Name("True"), keyword=cst.Name("shuffle"), equal=TIGHT_EQUAL,
                comma=updated_node.comma), "sampler=DistributedSampler(...) -> shuffle=True")
        return updated_node
