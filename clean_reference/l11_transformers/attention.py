"""Attention, from one head to a Pre-LN transformer encoder block.

Scaled dot-product attention (Vaswani et al., 2017) lets every query position gather
information from every key position: scores are dot products scaled by 1/sqrt(d_k), a
softmax over the keys turns them into weights, and the output is the weighted average of
the values. Multi-head attention runs several smaller attentions side by side, each on its
own slice of the projected features, then mixes them. The encoder block wraps attention and
a feed-forward network in residual connections, with LayerNorm *before* each sublayer
(Pre-LN), so the residual stream itself is only ever added to.

Shapes (batch first): sequences (B, T, d_model); per head (B, h, T, d_k), d_k = d_model / h;
scores and weights (B, h, T_q, T_k). Boolean masks follow F.scaled_dot_product_attention:
True means "may attend"; a mask broadcasts to (B, h, T_q, T_k) and leaves no row all False.
"""

import math

import torch
from torch import nn


def scaled_dot_product_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                                 mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """softmax(q k^T / sqrt(d_k)) v for q (..., T_q, d_k), k (..., T_k, d_k), v (..., T_k, d_v).

    Returns `(out, weights)`: out (..., T_q, d_v) and weights (..., T_q, T_k), each query's
    weights summing to 1 over the keys. `mask` is a bool tensor broadcastable to the weights'
    shape; where it is False the query gives that key exactly zero weight. As
    `F.scaled_dot_product_attention` computes it, with the weights returned too.
    """
    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))  # masked keys: weight exactly 0
    weights = scores.softmax(dim=-1)  # (..., T_q, T_k): a distribution over the keys
    return weights @ v, weights  # (..., T_q, d_v), (..., T_q, T_k)


class MultiHeadAttention(nn.Module):
    """Multi-head attention over batch-first sequences: (B, T_q, d_model) -> (B, T_q, d_model).

    Parameters, loaded by name: `q_proj`, `k_proj`, `v_proj` and `out_proj`, each an
    `nn.Linear(d_model, d_model)` with a bias. Head i reads features i*d_k ... (i+1)*d_k - 1
    of each projection, and the heads' outputs are laid side by side in that order before
    `out_proj`, as `nn.MultiheadAttention` does. Raises ValueError unless num_heads divides
    d_model.
    """

    def __init__(self, d_model: int, num_heads: int) -> None:
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
        self.num_heads = num_heads
        self.d_k = d_model // num_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def forward(self, query: torch.Tensor, key: torch.Tensor | None = None,
                value: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Attend from `query` (B, T_q, d_model) to `key`/`value` (B, T_k, d_model).

        With key and value None this is self-attention (both are `query`); with only value
        None, value is `key`. `mask` (bool, True = may attend) broadcasts to
        (B, num_heads, T_q, T_k). Returns (B, T_q, d_model).
        """
        key = query if key is None else key
        value = key if value is None else value
        B, T_q, d_model = query.shape
        T_k = key.shape[1]
        # Each head gets its own d_k features of every token: split, then bring heads forward.
        q = self.q_proj(query).view(B, T_q, self.num_heads, self.d_k).transpose(1, 2)  # (B, h, T_q, d_k)
        k = self.k_proj(key).view(B, T_k, self.num_heads, self.d_k).transpose(1, 2)  # (B, h, T_k, d_k)
        v = self.v_proj(value).view(B, T_k, self.num_heads, self.d_k).transpose(1, 2)  # (B, h, T_k, d_k)
        out, _ = scaled_dot_product_attention(q, k, v, mask)  # (B, h, T_q, d_k)
        out = out.transpose(1, 2).reshape(B, T_q, d_model)  # (B, T_q, d_model): heads side by side
        return self.out_proj(out)  # (B, T_q, d_model)


class EncoderBlock(nn.Module):
    """A Pre-LN transformer encoder block: (B, T, d_model) -> (B, T, d_model).

    Parameters, loaded by name: `ln1` and `ln2` (`nn.LayerNorm(d_model)`), `attn`
    (`MultiHeadAttention(d_model, num_heads)`) and `ffn` = `nn.Sequential(nn.Linear(d_model,
    d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))`. Each sublayer reads a
    LayerNorm of the residual stream and adds its output back onto the stream, as
    `nn.TransformerEncoderLayer(norm_first=True, batch_first=True, activation="gelu")` does.
    With dropout 0 or in eval mode the block is deterministic; in train mode with dropout >
    0 it drops (new masks every call), and which other places drop too (such as each
    residual branch, as that layer does) is free.
    """

    def __init__(self, d_model: int, num_heads: int, d_ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, num_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Self-attention then the feed-forward network, each as a Pre-LN residual sublayer.

        `x` is (B, T, d_model); `mask` (bool, True = may attend) broadcasts to
        (B, num_heads, T, T). Returns (B, T, d_model).
        """
        h = x + self.attn(self.ln1(x), mask=mask)  # (B, T, d_model): tokens exchange information
        return h + self.ffn(self.ln2(h))  # (B, T, d_model): each token on its own


if __name__ == "__main__":
    torch.manual_seed(0)
    B, T, d_model, num_heads = 2, 5, 16, 4
    x = torch.randn(B, T, d_model)  # (B, T, d_model)
    causal = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T): token i sees tokens 0..i
    q = k = v = x.view(B, T, num_heads, d_model // num_heads).transpose(1, 2)  # (B, h, T, d_k)
    out, weights = scaled_dot_product_attention(q, k, v, causal)
    print("causal weights of head 0, sample 0 (rows sum to 1, nothing above the diagonal):")
    print(weights[0, 0].round(decimals=2))
    reference = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=causal)
    print("matches F.scaled_dot_product_attention:", torch.allclose(out, reference, atol=1e-6))
    block = EncoderBlock(d_model, num_heads, d_ff=4 * d_model).eval()
    y = block(x, mask=causal)  # (B, T, d_model)
    print("encoder block:", tuple(x.shape), "->", tuple(y.shape))
    print("changing the last token leaves the first token's output alone:",
          torch.allclose(y[:, 0], block(torch.cat([x[:, :-1], torch.randn(B, 1, d_model)], dim=1), causal)[:, 0]))
