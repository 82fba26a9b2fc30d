"""Level 09: expert topics: a custom autograd Function (LeakyReLU) and distributed training."""

from clean_reference.l09_expert.custom_autograd import LeakyReLU, LeakyReLUFunction, leaky_relu

__all__ = ["LeakyReLU", "LeakyReLUFunction", "leaky_relu"]
