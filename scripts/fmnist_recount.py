"""Recounts a model's multiply-accumulates from the `layers` text of a
cascade manifest, without touching the training code or the weights.

The text is a comma-separated list of layers, applied in order to one
28 x 28 x 1 image (ReLU and flattening are implied and not listed):

  IN x OUT                     dense layer: IN * OUT MACs
  convKxK HxWxC->HOxWOxCO      K x K convolution, stride 1, no padding:
                               HO * WO * CO * K * K * C MACs
  maxpoolPxP HxWxC->HOxWOxC    P x P max-pooling, stride P: 0 MACs

Biases, activations, pooling and the softmax are not counted. Each layer's
input must be the previous layer's output (a dense layer takes the flattened
output), the shapes must follow from the kernel sizes, and the last layer
must give the 10 class scores.
"""
import re

INPUT_SHAPE = (28, 28, 1)
N_CLASSES = 10

_DENSE = re.compile(r"(\d+)x(\d+)")
_CONV = re.compile(r"conv(\d+)x(\d+) (\d+)x(\d+)x(\d+)->(\d+)x(\d+)x(\d+)")
_POOL = re.compile(r"maxpool(\d+)x(\d+) (\d+)x(\d+)x(\d+)->(\d+)x(\d+)x(\d+)")


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def recount(layers):
    """Returns (macs, parameter shapes) for a layers text; raises
    ValueError naming the layer when the text is malformed or inconsistent.
    The parameter shapes are the weight matrices the layers imply, in order:
    (IN, OUT) for a dense layer, (K * K * C, CO) for a convolution."""
    shape = INPUT_SHAPE
    macs = 0
    weights = []
    for i, text in enumerate(t.strip() for t in layers.split(",")):
        where = f"layer {i + 1} ({text!r})"
        m = _DENSE.fullmatch(text)
        if m:
            n_in, n_out = int(m[1]), int(m[2])
            if n_in != _prod(shape):
                raise ValueError(f"{where}: takes {n_in} inputs but gets {shape}")
            macs += n_in * n_out
            weights.append((n_in, n_out))
            shape = (n_out,)
            continue
        m = _CONV.fullmatch(text)
        if m:
            kh, kw, h, w, c, ho, wo, co = map(int, m.groups())
            if (h, w, c) != shape:
                raise ValueError(f"{where}: takes {h}x{w}x{c} but gets {shape}")
            if (ho, wo) != (h - kh + 1, w - kw + 1):
                raise ValueError(f"{where}: a {kh}x{kw} valid convolution of "
                                 f"{h}x{w} gives {h - kh + 1}x{w - kw + 1}")
            macs += ho * wo * co * kh * kw * c
            weights.append((kh * kw * c, co))
            shape = (ho, wo, co)
            continue
        m = _POOL.fullmatch(text)
        if m:
            ph, pw, h, w, c, ho, wo, co = map(int, m.groups())
            if (h, w, c) != shape:
                raise ValueError(f"{where}: takes {h}x{w}x{c} but gets {shape}")
            if h % ph or w % pw or (ho, wo, co) != (h // ph, w // pw, c):
                raise ValueError(f"{where}: {ph}x{pw} pooling of {h}x{w}x{c} "
                                 f"does not give {ho}x{wo}x{co}")
            shape = (ho, wo, co)
            continue
        raise ValueError(f"{where}: not a dense, conv or maxpool layer")
    if shape != (N_CLASSES,):
        raise ValueError(f"the last layer gives {shape}, not {N_CLASSES} class scores")
    return macs, weights
