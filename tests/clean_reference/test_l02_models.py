"""Level 02 references against PyTorch itself: concatenation, conditioning, encoder and decoder."""

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from clean_reference.l02_models.blocks import ConcatBlock, ConditionalMLP
from clean_reference.l02_models.encoder_decoder import Decoder, Encoder, FullModel


def randn(*shape: int, seed: int = 0, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def two_layers(x: torch.Tensor, first: nn.Linear, second: nn.Linear) -> torch.Tensor:
    """Linear, ReLU, Linear written out with PyTorch's functional ops."""
    return F.linear(F.relu(F.linear(x, first.weight, first.bias)), second.weight, second.bias)


# --- ConcatBlock ------------------------------------------------------------------------

def test_concat_block_names_its_layer_linear():
    block = ConcatBlock(3, 2, 4)
    assert {n: tuple(p.shape) for n, p in block.named_parameters()} == \
        {"linear.weight": (4, 5), "linear.bias": (4,)}


@pytest.mark.parametrize("batch", [1, 3])
def test_concat_block_is_relu_of_one_linear_over_a_then_b(batch):
    torch.manual_seed(0)
    block = ConcatBlock(3, 2, 4)
    a, b = randn(batch, 3), randn(batch, 2, seed=1)
    w, bias = block.linear.weight, block.linear.bias
    # The weight's first Fa columns read a, the last Fb read b: the same as one cat along dim 1.
    expected = F.relu(a @ w[:, :3].T + b @ w[:, 3:].T + bias)
    torch.testing.assert_close(block(a, b), expected)
    assert block(a, b).shape == (batch, 4)


def test_concat_block_leaves_its_inputs_alone_and_passes_gradients_to_both():
    torch.manual_seed(0)
    block = ConcatBlock(2, 4, 3)
    a, b = randn(5, 2).requires_grad_(), randn(5, 4, seed=1).requires_grad_()
    a_before, b_before = a.detach().clone(), b.detach().clone()
    block(a, b).sum().backward()
    assert torch.equal(a.detach(), a_before) and torch.equal(b.detach(), b_before)
    assert a.grad is not None and b.grad is not None


def test_concat_block_gradients_match_autograd_numerics():
    torch.manual_seed(0)
    block = ConcatBlock(2, 3, 2).double()
    a, b = randn(3, 2, dtype=torch.float64), randn(3, 3, seed=1, dtype=torch.float64)
    assert torch.autograd.gradcheck(block, (a.requires_grad_(), b.requires_grad_()))


# --- ConditionalMLP ---------------------------------------------------------------------

def test_conditional_mlp_names_match_the_contract():
    mlp = ConditionalMLP(3, 2, 5, 4)
    assert {n: tuple(p.shape) for n, p in mlp.named_parameters()} == {
        "net.0.weight": (5, 5), "net.0.bias": (5,), "net.2.weight": (4, 5), "net.2.bias": (4,)}
    assert isinstance(mlp.net[1], nn.ReLU) and len(mlp.net) == 3


@pytest.mark.parametrize("batch", [1, 4])
def test_conditional_mlp_appends_the_condition_after_x(batch):
    torch.manual_seed(0)
    mlp = ConditionalMLP(3, 2, 6, 4)
    x, cond = randn(batch, 3), randn(batch, 2, seed=1)
    expected = two_layers(torch.cat([x, cond], dim=1), mlp.net[0], mlp.net[2])
    torch.testing.assert_close(mlp(x, cond), expected)


def test_conditional_mlp_output_is_not_clipped():
    torch.manual_seed(0)
    y = ConditionalMLP(3, 2, 8, 4)(randn(16, 3), randn(16, 2, seed=1))
    assert (y < 0).any() and (y > 0).any()


def test_changing_one_condition_changes_that_sample_only():
    torch.manual_seed(0)
    mlp = ConditionalMLP(3, 2, 8, 2)
    x, cond = randn(4, 3), randn(4, 2, seed=1)
    other = cond.clone()
    other[2] += 2.0
    before, after = mlp(x, cond), mlp(x, other)
    torch.testing.assert_close(after[[0, 1, 3]], before[[0, 1, 3]], rtol=0, atol=0)
    assert not torch.allclose(after[2], before[2])


def test_gradients_reach_the_condition_and_match_numerics():
    torch.manual_seed(0)
    mlp = ConditionalMLP(2, 3, 4, 2).double()
    x, cond = randn(3, 2, dtype=torch.float64), randn(3, 3, seed=1, dtype=torch.float64)
    cond.requires_grad_()
    mlp(x, cond).sum().backward()
    assert cond.grad is not None and cond.grad.abs().sum() > 0
    assert torch.autograd.gradcheck(mlp, (x.requires_grad_(), cond.detach().requires_grad_()))


# --- Encoder, Decoder, FullModel --------------------------------------------------------

@pytest.mark.parametrize("cls, sizes", [(Encoder, (5, 4, 2)), (Decoder, (2, 4, 5))])
def test_each_half_is_linear_relu_linear_with_no_output_activation(cls, sizes):
    torch.manual_seed(0)
    half = cls(*sizes)
    assert [type(layer) for layer in half.net] == [nn.Linear, nn.ReLU, nn.Linear]
    x = randn(8, sizes[0])
    y = half(x)
    torch.testing.assert_close(y, two_layers(x, half.net[0], half.net[2]))
    assert y.shape == (8, sizes[2]) and (y < 0).any()


def test_full_model_is_decoder_of_encoder():
    torch.manual_seed(0)
    model = FullModel(in_features=6, hidden_features=5, latent_features=2)
    assert isinstance(model.encoder, Encoder) and isinstance(model.decoder, Decoder)
    assert model.encoder.net[2].out_features == 2 and model.decoder.net[2].out_features == 6
    for batch in (1, 3):
        x = randn(batch, 6)
        torch.testing.assert_close(model(x), model.decoder(model.encoder(x)), rtol=0, atol=0)
        assert model(x).shape == (batch, 6)


def test_full_model_weights_load_by_name_from_separate_halves():
    torch.manual_seed(0)
    encoder, decoder = Encoder(4, 3, 2), Decoder(2, 3, 4)
    model = FullModel(4, 3, 2)
    model.load_state_dict({**{f"encoder.{k}": v for k, v in encoder.state_dict().items()},
                           **{f"decoder.{k}": v for k, v in decoder.state_dict().items()}})
    x = randn(5, 4)
    torch.testing.assert_close(model(x), decoder(encoder(x)))


def test_training_the_full_model_trains_both_halves():
    torch.manual_seed(0)
    model = FullModel(4, 6, 2).double()
    x = randn(3, 4, dtype=torch.float64)
    F.mse_loss(model(x), x).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    assert torch.autograd.gradcheck(model, (x.requires_grad_(),))
