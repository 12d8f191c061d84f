#!/usr/bin/python3
"""Writes the seed corpora in corpus/*/seed-* (run it with Debian's
/usr/bin/python3, which has NumPy). The .npy seeds are written by NumPy
itself, so the fuzzers start from real headers; the rest are tiny
hand-written manifests and CSV files. Regression inputs (crash-*, the
inputs that once crashed a parser) live beside the seeds and are kept."""
import io
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def put(corpus, name, data):
    folder = os.path.join(HERE, "corpus", corpus)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def npy(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array, allow_pickle=True)
    else:
        np.lib.format.write_array(buf, array, version=version, allow_pickle=True)
    return buf.getvalue()


logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]], dtype="<f4")
probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype="<f8")
put("npy", "f4-logits.npy", npy(logits))
put("npy", "f8-probs.npy", npy(probs))
put("npy", "f2.npy", npy(logits.astype("<f2")))
put("npy", "f4-big-endian.npy", npy(logits.astype(">f4")))
put("npy", "f8-big-endian.npy", npy(probs.astype(">f8")))
put("npy", "f4-fortran.npy", npy(np.asfortranarray(np.arange(6, dtype="<f4").reshape(3, 2))))
put("npy", "i8-labels.npy", npy(np.array([0, 2, 1, 1], dtype="<i8")))
put("npy", "i4-labels-big-endian.npy", npy(np.array([0, 2, 1], dtype=">i4")))
put("npy", "u1-labels.npy", npy(np.array([3, 0, 1], dtype="u1")))
put("npy", "u2-column.npy", npy(np.array([[1], [0]], dtype="<u2")))
put("npy", "v2.npy", npy(logits, version=(2, 0)))
put("npy", "v3.npy", npy(logits, version=(3, 0)))
put("npy", "zero-rows.npy", npy(np.zeros((0, 3), dtype="<f4")))
put("npy", "one-class.npy", npy(np.ones((2, 1), dtype="<f4")))
put("npy", "0d.npy", npy(np.float32(1.5)))
put("npy", "3d.npy", npy(np.zeros((2, 1, 2), dtype="<f4")))
put("npy", "structured.npy", npy(np.zeros(2, dtype=[("a", "<f4"), ("b", "<i2")])))
put("npy", "object.npy", npy(np.array([1, None], dtype=object)))
put("npy", "bool.npy", npy(np.array([True, False])))
put("npy", "nan-inf.npy", npy(np.array([[np.nan, 1.0], [np.inf, -np.inf]], dtype="<f4")))
put("npy", "truncated.npy", npy(logits)[:-5])

put("manifest", "cifar-like.json",
    '{"name": "set", "labels": "labels.npy", "models": [\n'
    '  {"name": "small", "probs": "small.npy", "gmacs": 0.00065},\n'
    '  {"name": "large", "logits": "large.npy", "gmacs": 3.9e-1, "note": "x"}]}\n')
put("manifest", "no-labels.json",
    '{"labels": null, "models": [{"name": "a", "logits": "/abs/a.npy", "gmacs": 1}]}')
put("manifest", "escapes.json",
    '{"labels":"l\\u00e9.csv","models":[{"name":"m\\"1","logits":"sub/m.csv","gmacs":-2,'
    '"ms":[1,{"x":true}]},{"name":"m2","probs":"p.npy","gmacs":"1"}]}')
put("manifest", "bad-duplicate.json",
    '{"labels": "l.npy", "models": [{"name": "a", "logits": "a.npy"}, {"name": "a", "logits": "b.npy"}]}')
put("manifest", "bad-both.json",
    '{"labels": "l.npy", "models": [{"name": "a", "logits": "a.npy", "probs": "b.npy"}]}')
put("manifest", "bad-empty.json", '{"labels": "l.npy", "models": []}')
put("manifest", "bad-array.json", '[{"name": "a"}]')
put("manifest", "bad-syntax.json", '{"labels": "l.npy", "models": [{"name": "a",]}')

put("csv_array", "header.csv", "c0,c1,c2\n2.0,-1,0.5\n0.1,0.2,3e0\n")
put("csv_array", "no-header.csv", "0.7,0.2,0.1\r\n0.1,0.1,0.8\r\n")
put("csv_array", "labels.csv", "label\n0\n2\n1\n")
put("csv_array", "quoted.csv", '"a","b, c"\n"1.5", 2\n-0.25 ,"1e-3"\n')
put("csv_array", "blank-lines.csv", "1,2\n\n3,4\n\n")
put("csv_array", "special.csv", "x,y\nnan,inf\n-inf,0x1p3\n")
put("csv_array", "ragged.csv", "1,2,3\n4,5\n")
put("csv_array", "text-cell.csv", "a,b\n1,oops\n")
