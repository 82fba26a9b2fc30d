"""Level 11: transformers: scaled dot-product attention, multi-head attention, a Pre-LN encoder block."""

from clean_reference.l11_transformers.attention import EncoderBlock, MultiHeadAttention, scaled_dot_product_attention

__all__ = ["EncoderBlock", "MultiHeadAttention", "scaled_dot_product_attention"]
