#!/usr/bin/python3
"""Fits the AVX2 kernel's polynomial for e^r on [-ln2/2, ln2/2]
(src/records/softmax_kernel.c):

    e^r ~= 1 + r + r^2 (Q2 + Q3 r + Q4 r^2 + Q5 r^3)

near-minimax in relative error, by iteratively reweighted least squares
(Lawson's algorithm) on Chebyshev nodes, then checks the float32 result of
the kernel's range reduction over x in [-87, 0].

    /usr/bin/python3 scripts/fit_exp_polynomial.py
"""
import numpy as np

half = np.log(2) / 2
r = np.cos(np.linspace(0, np.pi, 4001)) * half
f = np.exp(r)
A = np.stack([r**k for k in range(2, 6)], 1) / f[:, None]
b = (f - 1 - r) / f
w = np.ones_like(r)
for _ in range(200):
    root = np.sqrt(w)
    c, *_ = np.linalg.lstsq(A * root[:, None], b * root, rcond=None)
    w = w * np.abs(A @ c - b)
    w /= w.sum()
print(f"relative error, exact arithmetic: {np.max(np.abs(A @ c - b)):.3g}")

q = c.astype(np.float32)
x = np.linspace(-87, 0, 2_000_001).astype(np.float32)
LOG2E = np.float32(1.44269504088896341)
LN2_HI, LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)
n = np.round(x * LOG2E).astype(np.float32)
rr = (x - n * LN2_HI) - n * LN2_LO
p = q[3]
for k in (2, 1, 0):
    p = p * rr + q[k]
p = p * rr * rr + rr + np.float32(1)
value = np.ldexp(p.astype(np.float64), n.astype(int))
error = np.abs(value / np.exp(x.astype(np.float64)) - 1)
print(f"relative error, float32 over [-87, 0]: max {error.max():.3g}, mean {error.mean():.3g}")
for name, v in zip(("Q2", "Q3", "Q4", "Q5"), q):
    print(f"{name} = {v:.9e}f")
