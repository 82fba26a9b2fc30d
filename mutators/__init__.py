"""Bug classes: one libcst mutator per module, listed once in `ALL_MUTATORS`."""

from mutators._base import Mutator, Site, SiteNotFound, apply, parse_site, sites
from mutators.zero_grad import ZeroGrad

ALL_MUTATORS: tuple[type[Mutator], ...] = (
    ZeroGrad,
)


def by_id(mutator_id: str) -> type[Mutator]:
    for mutator in ALL_MUTATORS:
        if mutator.ID == mutator_id:
            return mutator
    raise KeyError(mutator_id)


__all__ = ["ALL_MUTATORS", "Mutator", "Site", "SiteNotFound", "apply", "by_id", "parse_site", "sites"]
