"""Level 11 reference against PyTorch's own attention: F.scaled_dot_product_attention,
nn.MultiheadAttention and nn.TransformerEncoderLayer(norm_first=True), weights copied across."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from clean_reference.l11_transformers import EncoderBlock, MultiHeadAttention, scaled_dot_product_attention

TOL = {"rtol": 1e-5, "atol": 1e-5}


def allowed(shape, seed=0):
    """A bool mask, True = may attend, with at least one key per query."""
    mask = torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < 0.5
    mask[..., 0] = True
    return mask


# --- scaled dot-product attention ---------------------------------------------------------

@pytest.mark.parametrize("mask_shape", [None, (3, 5), (2, 1, 1, 5), (2, 4, 3, 5)])
def test_attention_matches_torch(mask_shape):
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 4, 3, 16), torch.randn(2, 4, 5, 16), torch.randn(2, 4, 5, 7)
    mask = None if mask_shape is None else allowed(mask_shape)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), **TOL)
    assert weights.shape == (2, 4, 3, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4, 3))
    if mask is not None:
        assert bool((weights[~mask.expand_as(weights)] == 0).all())


def test_attention_without_heads_and_with_one_query():
    q, k, v = torch.randn(3, 1, 4), torch.randn(3, 6, 4), torch.randn(3, 6, 2)
    out, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v), **TOL)
    assert weights.shape == (3, 1, 6)


# --- multi-head attention -----------------------------------------------------------------

def torch_mha(ours: MultiHeadAttention, d_model: int, num_heads: int) -> nn.MultiheadAttention:
    theirs = nn.MultiheadAttention(d_model, num_heads, batch_first=True)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        theirs.out_proj.weight.copy_(ours.out_proj.weight)
        theirs.out_proj.bias.copy_(ours.out_proj.bias)
    return theirs


@pytest.mark.parametrize("t_q, t_k, cross", [(4, 4, False), (2, 5, True), (5, 3, True)])
def test_mha_matches_nn_multihead_attention(t_q, t_k, cross):
    torch.manual_seed(0)
    ours = MultiHeadAttention(12, 3)
    theirs = torch_mha(ours, 12, 3)
    query = torch.randn(2, t_q, 12, requires_grad=True)
    key = torch.randn(2, t_k, 12, requires_grad=True) if cross else query
    value = torch.randn(2, t_k, 12, requires_grad=True) if cross else query
    got = ours(query, key, value) if cross else ours(query)
    expected, _ = theirs(query, key, value, need_weights=False)
    torch.testing.assert_close(got, expected, **TOL)
    upstream = torch.randn_like(got)
    grads = torch.autograd.grad(got, [query, ours.q_proj.weight, ours.v_proj.bias, ours.out_proj.weight], upstream)
    theirs_grads = torch.autograd.grad(expected, [query, theirs.in_proj_weight, theirs.in_proj_bias,
                                                  theirs.out_proj.weight], upstream)
    torch.testing.assert_close(grads[0], theirs_grads[0], **TOL)
    torch.testing.assert_close(grads[1], theirs_grads[1][:12], **TOL)
    torch.testing.assert_close(grads[2], theirs_grads[2][24:], **TOL)
    torch.testing.assert_close(grads[3], theirs_grads[3], **TOL)


def test_mha_masks_broadcast_like_torch():
    torch.manual_seed(1)
    ours = MultiHeadAttention(8, 2)
    theirs = torch_mha(ours, 8, 2)
    x = torch.randn(3, 5, 8)
    square = allowed((5, 5))
    torch.testing.assert_close(ours(x, mask=square), theirs(x, x, x, attn_mask=~square)[0], **TOL)
    keys = allowed((3, 5), seed=2)
    torch.testing.assert_close(ours(x, mask=keys[:, None, None, :]),
                               theirs(x, x, x, key_padding_mask=~keys)[0], **TOL)
    per_head = allowed((3, 2, 5, 5), seed=3)
    torch.testing.assert_close(ours(x, mask=per_head),
                               theirs(x, x, x, attn_mask=~per_head.reshape(6, 5, 5))[0], **TOL)


def test_mha_value_defaults_to_key_and_heads_must_divide():
    torch.manual_seed(2)
    mha = MultiHeadAttention(6, 2)
    query, key = torch.randn(1, 2, 6), torch.randn(1, 4, 6)
    torch.testing.assert_close(mha(query, key), mha(query, key, key))
    with pytest.raises(ValueError):
        MultiHeadAttention(10, 3)


# --- encoder block ------------------------------------------------------------------------

def torch_layer(block: EncoderBlock, d_model: int, num_heads: int, d_ff: int) -> nn.TransformerEncoderLayer:
    layer = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward=d_ff, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
    layer.self_attn = torch_mha(block.attn, d_model, num_heads)
    pairs = [(layer.norm1, block.ln1), (layer.norm2, block.ln2),
             (layer.linear1, block.ffn[0]), (layer.linear2, block.ffn[3])]
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.weight.copy_(ours.weight)
            theirs.bias.copy_(ours.bias)
    return layer


@pytest.mark.parametrize("masked", [False, True])
def test_block_matches_transformer_encoder_layer(masked):
    torch.manual_seed(0)
    block = EncoderBlock(16, 4, 32)
    with torch.no_grad():  # LayerNorm parameters away from their 1 / 0 start
        for ln in (block.ln1, block.ln2):
            ln.weight.normal_(1.0, 0.2)
            ln.bias.normal_(0.0, 0.2)
    layer = torch_layer(block, 16, 4, 32)
    x = torch.randn(2, 6, 16, requires_grad=True) * 3
    mask = torch.ones(6, 6, dtype=torch.bool).tril() if masked else None
    got = block(x, mask=mask)
    expected = layer(x, src_mask=None if mask is None else ~mask)
    torch.testing.assert_close(got, expected, **TOL)
    upstream = torch.randn_like(got)
    ours = torch.autograd.grad(got, [x, block.ln1.weight, block.ffn[0].weight], upstream)
    theirs = torch.autograd.grad(expected, [x, layer.norm1.weight, layer.linear1.weight], upstream)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, **TOL)


def test_block_structure_dropout_and_identity_start():
    block = EncoderBlock(8, 2, 16, dropout=0.25)
    assert [type(m).__name__ for m in block.ffn] == ["Linear", "GELU", "Dropout", "Linear"]
    assert block.ffn[2].p == 0.25
    with torch.no_grad():  # zero the branches' last layers: a Pre-LN block is then the identity
        for linear in (block.attn.out_proj, block.ffn[3]):
            linear.weight.zero_()
            linear.bias.zero_()
    x = torch.randn(2, 3, 8)
    torch.testing.assert_close(block(x), x)
