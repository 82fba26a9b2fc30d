"""A plausible wrong solution: the mask is applied to the weights after the softmax, so masked
keys get zero weight but every row no longer sums to 1."""

import math

import torch
from torch import nn


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    weights = scores.softmax(dim=-1)
    if mask is not None:
        # Wrong: zeroing after the softmax leaves each row summing to less than 1.
        weights = weights * mask
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, query, key=None, value=None, mask=None):
        key = query if key is None else key
        value = key if value is None else value
        B, T_q, D = query.shape
        split = lambda x: x.view(B, x.shape[1], self.num_heads, -1).transpose(1, 2)  # noqa: E731
        out, _ = scaled_dot_product_attention(split(self.q_proj(query)), split(self.k_proj(key)),
                                              split(self.v_proj(value)), mask)
        return self.out_proj(out.transpose(1, 2).reshape(B, T_q, D))


class EncoderBlock(nn.Module):
    def __init__(self, d_model, num_heads, d_ff, dropout=0.0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, num_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))

    def forward(self, x, mask=None):
        x = x + self.attn(self.ln1(x), mask=mask)
        return x + self.ffn(self.ln2(x))
