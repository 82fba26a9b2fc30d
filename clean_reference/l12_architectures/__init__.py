"""Level 12: classic CNN architectures: VGG blocks, residual networks, Inception modules.

Every public name is importable from the package itself, e.g.
`from clean_reference.l12_architectures import SmallResNet`.
"""

from clean_reference.l12_architectures.inception import InceptionModule
from clean_reference.l12_architectures.residual import Bottleneck, ResidualBlock, SmallResNet, make_layer
from clean_reference.l12_architectures.vgg import SimpleCNN, VGGBlock

__all__ = ["Bottleneck", "InceptionModule", "ResidualBlock", "SimpleCNN", "SmallResNet", "VGGBlock",
           "make_layer"]
