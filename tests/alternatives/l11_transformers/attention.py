"""Attention written another way: einsum everywhere, heads kept as the third axis, a hand-made
softmax over the keys, the mask applied with torch.where, the block as explicit steps."""

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = torch.einsum("...qd,...kd->...qk", q * q.shape[-1] ** -0.5, k)
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, float("-inf")))
    shifted = scores - scores.amax(dim=-1, keepdim=True)
    exps = shifted.exp()
    weights = exps / exps.sum(dim=-1, keepdim=True)
    return torch.einsum("...qk,...kd->...qd", weights, v), weights


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0, "num_heads must divide d_model"
        self.h = num_heads
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self, name, nn.Linear(d_model, d_model))

    def forward(self, query, key=None, value=None, mask=None):
        if key is None:
            key = query
        if value is None:
            value = key
        q = self.q_proj(query).unflatten(-1, (self.h, -1))  # (B, T_q, h, d_k)
        k = self.k_proj(key).unflatten(-1, (self.h, -1))
        v = self.v_proj(value).unflatten(-1, (self.h, -1))
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / q.shape[-1] ** 0.5
        if mask is not None:
            scores = scores.masked_fill(mask.logical_not(), float("-inf"))
        weights = torch.softmax(scores, dim=3)
        mixed = torch.einsum("bhqk,bkhd->bqhd", weights, v).flatten(start_dim=2)
        return self.out_proj(mixed)


class EncoderBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, num_heads)
        self.ln2 = nn.LayerNorm(d_model)
        layers = [nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(p=dropout), nn.Linear(d_ff, d_model)]
        self.ffn = nn.Sequential(*layers)

    def forward(self, x, mask=None):
        normed = self.ln1(x)
        attended = self.attn(normed, normed, normed, mask)
        stream = attended + x
        update = self.ffn(self.ln2(stream))
        return stream + update
