"""detach: the graph cut where gradients must flow, or kept alive where only a number is wanted."""

import libcst as cst
from libcst import matchers as m

from mutators._args import torch_attr
from mutators._base import Mutator

_ITEM = m.Call(func=m.Attribute(attr=m.Name("item")), args=[])
_JOIN = m.Call(func=torch_attr("cat", "concat", "stack"), args=[m.Arg(value=m.List()), m.ZeroOrMore()])


class Detach(Mutator):
    ID = "detach"
    TITLE = "Graph cut or kept alive"
    EFFECT = r"gradient|grad|weights|train|graph|backward|loss"
    LOUD = False
    HINT = ("Follow the autograd graph: which tensors must gradients reach, and which values "
            "should be plain numbers that hold no graph at all?")
    LESSON = (
        "autograd records every operation on tensors that require gradients. .detach(), .data "
        "and .item() leave that record: a tensor detached on its way into the model gets no "
        "gradient, and the layers before it stop learning, without an error. The opposite "
        "mistake keeps the record alive: adding the loss tensor itself to a running total "
        "(instead of loss.item()) keeps every batch's graph in memory until the epoch ends, "
        "and hands the caller a tensor where a number was promised. Use .item() for what you "
        "log and never detach what must learn."
    )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        if m.matches(original_node, _ITEM) and isinstance(original_node.func, cst.Attribute):
            return self.offer(original_node, updated_node, lambda: updated_node.func.value,
                              "x.item() -> x (keeps the graph)")
        if m.matches(original_node, _JOIN):
            elements = original_node.args[0].value.elements
            if elements and isinstance(elements[-1].value, cst.Name):
                def rewrite() -> cst.Call:
                    listed = updated_node.args[0].value
                    last = listed.elements[-1]
                    detached = cst.Call(func=cst.Attribute(value=last.value, attr=cst.Name("detach")))
                    new_list = listed.with_changes(elements=[*listed.elements[:-1], last.with_changes(value=detached)])
                    return updated_node.with_changes(args=[updated_node.args[0].with_changes(value=new_list),
                                                           *updated_node.args[1:]])
                return self.offer(original_node, updated_node, rewrite,
                                  f"torch.cat([..., {elements[-1].value.value}]) -> .detach() on it")
        return updated_node
