"""Fashion-MNIST model zoo for cascade's shipped example: data loading, a
small NumPy layer library (dense, conv via im2col + matmul, max-pool, ReLU),
the five model definitions, training (Adam, minibatches) and batched
inference. Used by scripts/train-zoo and scripts/measure-cascade.

NumPy only. Callers should set OPENBLAS_NUM_THREADS before importing NumPy.

Layout: images are NHWC float32 (N, 28, 28, 1), standardised with one scalar
mean and standard deviation taken from the 60,000 training images.
"""
import gzip
import os
import time

import numpy as np

DATASET_DIR = "/usr/share/datasets/fashion-mnist"
N_CLASSES = 10


# ---------------------------------------------------------------- data

def read_idx(path):
    """Reads one gzip'd IDX file (the MNIST format) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load_split(split, dataset_dir=DATASET_DIR):
    """split is 'train' or 't10k'; returns (uint8 images N x 28 x 28, int64 labels)."""
    images = read_idx(os.path.join(dataset_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(dataset_dir, f"{split}-labels-idx1-ubyte.gz"))
    return images, labels.astype(np.int64)


def preprocess(images, mean, std):
    """uint8 N x 28 x 28 -> float32 N x 28 x 28 x 1: pixels to [0, 1], then
    standardised with the training set's scalar mean and std."""
    x = images.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(mean)) / np.float32(std)
    return x.reshape(x.shape[0], x.shape[1], x.shape[2], 1)


# ---------------------------------------------------------------- layers
# Each layer has forward(x, train) and backward(dout) -> dx; layers with
# parameters keep them in .params (dict name -> array) and, after backward,
# the gradients in .grads. Shapes follow NHWC.

class Dense:
    def __init__(self, n_in, n_out, rng):
        scale = np.sqrt(2.0 / n_in)
        self.params = {
            "W": (rng.standard_normal((n_in, n_out)) * scale).astype(np.float32),
            "b": np.zeros(n_out, dtype=np.float32),
        }
        self.grads = {}

    def forward(self, x, train=False):
        x2 = x.reshape(x.shape[0], -1)
        if train:
            self.x_shape, self.x2 = x.shape, x2
        return x2 @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads["W"] = self.x2.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if not getattr(self, "need_dx", True):
            return None
        return (dout @ self.params["W"].T).reshape(self.x_shape)

    def macs(self, in_shape, out_shape):
        w = self.params["W"]
        return w.shape[0] * w.shape[1]

    def describe(self, in_shape, out_shape):
        w = self.params["W"]
        return f"{w.shape[0]}x{w.shape[1]}"


class Conv:
    """k x k convolution, stride 1, no padding ('valid'), via im2col + matmul.
    At inference the images go through im2col CHUNK at a time, so that the
    unfolded patches (k * k times the input) stay small enough for the caches;
    the output is the same as in one piece."""
    CHUNK = 250

    def __init__(self, k, c_in, c_out, rng):
        self.k = k
        scale = np.sqrt(2.0 / (k * k * c_in))
        # rows ordered (kh, kw, c_in) to match im2col's column order
        self.params = {
            "W": (rng.standard_normal((k * k * c_in, c_out)) * scale).astype(np.float32),
            "b": np.zeros(c_out, dtype=np.float32),
        }
        self.grads = {}

    def im2col(self, x):
        """(n, h, w, c) -> (n * ho * wo, k * k * c), columns ordered (kh, kw, c)."""
        n, h, w, c = x.shape
        k = self.k
        rows = n * (h - k + 1) * (w - k + 1)
        if c == 1:
            win = np.lib.stride_tricks.sliding_window_view(x[..., 0], (k, k), axis=(1, 2))
            return np.ascontiguousarray(win).reshape(rows, k * k)
        win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
        # win: (n, ho, wo, c, kh, kw) -> (n, ho, wo, kh, kw, c)
        return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(rows, k * k * c)

    def forward(self, x, train=False):
        n, h, w, c = x.shape
        ho, wo = h - self.k + 1, w - self.k + 1
        W = self.params["W"]
        if train:
            cols = self.im2col(x)
            self.x_shape, self.cols = x.shape, cols
            out = cols @ W
        else:
            out = np.empty((n * ho * wo, W.shape[1]), dtype=np.float32)
            step = self.CHUNK * ho * wo
            for i in range(0, n, self.CHUNK):
                np.matmul(self.im2col(x[i:i + self.CHUNK]), W,
                          out=out[i * ho * wo:i * ho * wo + step])
        out += self.params["b"]
        return out.reshape(n, ho, wo, -1)

    def backward(self, dout):
        n, h, w, c = self.x_shape
        k = self.k
        ho, wo = h - k + 1, w - k + 1
        d2 = dout.reshape(n * ho * wo, -1)
        self.grads["W"] = self.cols.T @ d2
        self.grads["b"] = np.ones(len(d2), dtype=np.float32) @ d2
        if not getattr(self, "need_dx", True):
            return None
        dcols = (d2 @ self.params["W"].T).reshape(n, ho, wo, k, k, c)
        dx = np.zeros(self.x_shape, dtype=np.float32)
        for i in range(k):
            for j in range(k):
                dx[:, i:i + ho, j:j + wo, :] += dcols[:, :, :, i, j, :]
        return dx

    def macs(self, in_shape, out_shape):
        _, ho, wo, c_out = out_shape
        return ho * wo * c_out * self.params["W"].shape[0]

    def describe(self, in_shape, out_shape):
        _, h, w, c = in_shape
        _, ho, wo, co = out_shape
        return f"conv{self.k}x{self.k} {h}x{w}x{c}->{ho}x{wo}x{co}"


class ReLU:
    params = {}

    def forward(self, x, train=False):
        if train:
            self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout * self.mask

    def macs(self, in_shape, out_shape):
        return 0

    def describe(self, in_shape, out_shape):
        return None


class MaxPool2:
    """2 x 2 max-pooling, stride 2 (height and width must be even)."""
    params = {}

    def forward(self, x, train=False):
        q = (x[:, 0::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 0::2], x[:, 1::2, 1::2])
        out = np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3]))
        if train:
            self.x_shape = x.shape
            self.masks = [qi == out for qi in q]
        return out

    def backward(self, dout):
        dx = np.zeros(self.x_shape, dtype=np.float32)
        for (i, j), mask in zip(((0, 0), (0, 1), (1, 0), (1, 1)), self.masks):
            dx[:, i::2, j::2] = dout * mask
        return dx

    def macs(self, in_shape, out_shape):
        return 0

    def describe(self, in_shape, out_shape):
        _, h, w, c = in_shape
        _, ho, wo, co = out_shape
        return f"maxpool2x2 {h}x{w}x{c}->{ho}x{wo}x{co}"


# ---------------------------------------------------------------- models

class Model:
    def __init__(self, name, layers, epochs, lr):
        self.name, self.layers, self.epochs, self.lr = name, layers, epochs, lr
        # the first layer never needs the gradient with respect to its input
        layers[0].need_dx = False

    def forward(self, x, train=False):
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def predict_logits(self, x, batch=1000):
        return np.concatenate([self.forward(x[i:i + batch]) for i in range(0, len(x), batch)])

    def shapes(self):
        """(layer, in_shape, out_shape) for one 28 x 28 x 1 sample."""
        x = np.zeros((1, 28, 28, 1), dtype=np.float32)
        out = []
        for layer in self.layers:
            y = layer.forward(x)
            out.append((layer, x.shape, y.shape))
            x = y
        return out

    def macs(self):
        return int(sum(layer.macs(i, o) for layer, i, o in self.shapes()))

    def describe(self):
        parts = [layer.describe(i, o) for layer, i, o in self.shapes()]
        return ", ".join(p for p in parts if p)

    def named_params(self):
        for li, layer in enumerate(self.layers):
            for pname, arr in layer.params.items():
                yield f"{self.name}/{li}/{pname}", layer, pname

    def state(self):
        return {key: layer.params[p] for key, layer, p in self.named_params()}

    def load_state(self, arrays):
        for key, layer, p in self.named_params():
            a = arrays[key]
            if a.shape != layer.params[p].shape:
                raise ValueError(f"{key}: shape {a.shape}, expected {layer.params[p].shape}")
            layer.params[p] = a.astype(np.float32)


def _mlp(sizes):
    def build(rng):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [Dense(a, b, rng), ReLU()]
        return layers[:-1]
    return build


def _cnn(rng):
    # ReLU after max-pooling: the same function as pooling after ReLU (both
    # are monotonic), on a quarter of the values.
    return [Conv(5, 1, 16, rng), MaxPool2(), ReLU(),
            Conv(5, 16, 32, rng), MaxPool2(), ReLU(),
            Dense(512, 128, rng), ReLU(),
            Dense(128, 10, rng)]


# name -> (layer builder, epochs, Adam learning rate), in increasing cost.
ZOO = {
    "softmax": (_mlp([784, 10]), 6, 1e-3),
    "mlp32": (_mlp([784, 32, 10]), 10, 1e-3),
    "mlp128": (_mlp([784, 128, 10]), 10, 1e-3),
    "mlp256x2": (_mlp([784, 256, 256, 10]), 10, 1e-3),
    "cnn": (_cnn, 8, 1e-3),
}


def build_model(name, rng=None):
    """A freshly initialised model; rng draws the initial weights (a fixed
    one when only the shapes matter, e.g. before loading saved weights)."""
    builder, epochs, lr = ZOO[name]
    if rng is None:
        rng = np.random.default_rng(0)
    return Model(name, builder(rng), epochs, lr)


# ---------------------------------------------------------------- training

def softmax_xent_grad(logits, y):
    """Mean cross-entropy loss and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(p[np.arange(n), y] + 1e-12).mean()
    p[np.arange(n), y] -= 1
    return float(loss), (p / np.float32(n)).astype(np.float32)


def train(model, x, y, rng, batch=128, log=print):
    """Adam (beta1 0.9, beta2 0.999), minibatches of 128, learning rate
    halved for each of the last two epochs."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    state = {key: (np.zeros_like(layer.params[p]), np.zeros_like(layer.params[p]))
             for key, layer, p in model.named_params()}
    step = 0
    for epoch in range(model.epochs):
        lr = model.lr * (0.5 ** max(0, epoch - (model.epochs - 3)))
        t0 = time.perf_counter()
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            logits = model.forward(x[idx], train=True)
            loss, dlogits = softmax_xent_grad(logits, y[idx])
            total += loss * len(idx)
            model.backward(dlogits)
            step += 1
            c1, c2 = 1 - b1 ** step, 1 - b2 ** step
            for key, layer, p in model.named_params():
                g = layer.grads[p]
                m, v = state[key]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * (g * g)
                layer.params[p] -= (lr / c1) * m / (np.sqrt(v / c2) + eps)
        log(f"  {model.name}: epoch {epoch + 1}/{model.epochs} lr {lr:.2e} "
            f"loss {total / len(x):.4f} ({time.perf_counter() - t0:.1f} s)")

