#!/usr/bin/python3
"""Reference 2-model cascade sweep in NumPy, written the way a careful Python
user would, for benchmarking `cascade sweep` against it.

usage: numpy_sweep.py MANIFEST [-o FILE] [--dtype float32|float64]

Reads the manifest (JSON: "labels" and "models" with "name", "logits" or
"probs", and "gmacs"; paths relative to the manifest). For each model, one
vectorised pass in float32: max softmax confidence (row maximum subtracted,
exp, sum), argmax prediction, correctness against the labels. "probs" files
are used as logits log p.

Points: every single model (accuracy, cost), and for every ordered pair
(a, b) with cost_a < cost_b every distinct threshold t on a's confidence: a
sample with conf_a >= t exits at a, the others go on to b, so
  accuracy = (correct_a among exits + correct_b among the rest) / k
  cost     = cost_a + cost_b * (share of samples that reach b).
a's confidences are sorted once per first-stage model; each pair then costs
O(k) with cumulative sums, and only the pair's own front is kept. (The threshold above every confidence sends all to
b and is always dominated by b alone, so it is left out.)

Output: the Pareto front of all points as CSV, cost ascending, columns
models,thresholds,accuracy,cost (models "a" or "a>b"; the threshold with
%.9g, which round-trips a float32; accuracy and cost as the shortest decimal
that reads back as the same double, which is what `cascade sweep` prints). A
point is on the front when no other point has cost <= and accuracy >= with
one of them strict; of identical points the first is kept, in the order:
single models in manifest order, then pairs by first model, second model,
falling threshold.

--dtype float64 computes the confidences in double precision instead, for an
exact cross-check of models, accuracy and cost with `cascade sweep` (which
keeps confidences in double): in float32, confidences that differ in the
last bits can tie or swap, which moves a few front points by one sample.
"""
import argparse
import json
import os
import sys

import numpy as np


def model_records(path, kind, labels, dtype):
    """Confidence ([k] dtype) and correctness ([k] bool) of one model."""
    z = np.load(path).astype(dtype, copy=False)  # [k][classes]
    if z.ndim != 2 or z.shape[0] != labels.shape[0]:
        sys.exit("numpy_sweep.py: %s: shape %s, expected (%d, classes)"
                 % (path, z.shape, labels.shape[0]))
    if kind == "probs":
        with np.errstate(divide="ignore"):
            z = np.log(z)
    prediction = z.argmax(axis=1)
    e = z - z.max(axis=1, keepdims=True)  # [k][classes], float32
    np.exp(e, out=e)
    confidence = dtype(1) / e.sum(axis=1)  # the maximum's exp is exactly 1
    return confidence, prediction == labels


def sweep(manifest_path, dtype=np.float32):
    with open(manifest_path) as f:
        manifest = json.load(f)
    folder = os.path.dirname(manifest_path)
    labels = np.load(os.path.join(folder, manifest["labels"]))
    k = labels.shape[0]
    names, costs, confidences, corrects = [], [], [], []
    for model in manifest["models"]:
        kind = "probs" if "probs" in model else "logits"
        conf, correct = model_records(os.path.join(folder, model[kind]), kind, labels, dtype)
        names.append(model["name"])
        costs.append(float(model["gmacs"]))
        confidences.append(conf)
        corrects.append(correct)

    # Point columns, appended in the tie-breaking order described above.
    p_first, p_second, p_threshold, p_correct, p_cost = [], [], [], [], []
    n = len(names)
    for a in range(n):
        p_first.append(np.array([a]))
        p_second.append(np.array([-1]))
        p_threshold.append(np.array([np.nan], dtype=dtype))
        p_correct.append(np.array([np.count_nonzero(corrects[a])]))
        p_cost.append(np.array([costs[a]]))
    for a in range(n):
        seconds = [b for b in range(n) if costs[a] < costs[b]]
        if not seconds:
            continue
        order = np.argsort(-confidences[a], kind="stable")
        conf_sorted = confidences[a][order]
        # exits[j]: samples with conf >= the j-th distinct threshold (falling)
        exits = np.append(np.flatnonzero(conf_sorted[1:] != conf_sorted[:-1]) + 1, k)
        thresholds = conf_sorted[exits - 1]
        cum_a = np.concatenate(([0], np.cumsum(corrects[a][order])))
        for b in seconds:
            cum_b = np.concatenate(([0], np.cumsum(corrects[b][order])))
            correct = cum_a[exits] + cum_b[k] - cum_b[exits]
            # Keep only the pair's own front before collecting (with 200
            # models, all points of all pairs would not fit in memory): in
            # cost order (exits falling), each point must beat every cheaper one.
            by_cost = correct[::-1]
            best_cheaper = np.maximum.accumulate(np.concatenate(([-1], by_cost[:-1])))
            keep = np.flatnonzero(by_cost > best_cheaper)
            keep = len(exits) - 1 - keep[::-1]  # back to exits order
            kept = exits[keep]
            p_first.append(np.full(kept.shape, a))
            p_second.append(np.full(kept.shape, b))
            p_threshold.append(thresholds[keep])
            p_correct.append(correct[keep])
            p_cost.append(costs[a] + costs[b] * ((k - kept) / k))

    first = np.concatenate(p_first)
    second = np.concatenate(p_second)
    threshold = np.concatenate(p_threshold)
    accuracy = np.concatenate(p_correct) / k
    cost = np.concatenate(p_cost)
    # Cost ascending, then accuracy descending, then the order above (stable).
    order = np.lexsort((-accuracy, cost))
    best_before = np.maximum.accumulate(np.concatenate(([-np.inf], accuracy[order][:-1])))
    front = order[accuracy[order] > best_before]
    return names, first[front], second[front], threshold[front], accuracy[front], cost[front]


def main():
    parser = argparse.ArgumentParser(description="Reference 2-model cascade sweep (NumPy).")
    parser.add_argument("manifest")
    parser.add_argument("-o", "--output", help="write the front here instead of stdout")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="precision of the confidences (default float32)")
    args = parser.parse_args()
    dtype = np.float32 if args.dtype == "float32" else np.float64
    names, first, second, threshold, accuracy, cost = sweep(args.manifest, dtype)
    lines = ["models,thresholds,accuracy,cost"]
    for a, b, t, acc, c in zip(first, second, threshold, accuracy, cost):
        if b < 0:
            lines.append("%s,,%r,%r" % (names[a], float(acc), float(c)))
        else:
            t_text = "%.9g" % t if dtype == np.float32 else repr(float(t))
            lines.append("%s>%s,%s,%r,%r" % (names[a], names[b], t_text, float(acc), float(c)))
    text = "\n".join(lines) + "\n"
    if args.output:
        # Atomic, like the C tool: a temporary file beside the target, renamed.
        temp = args.output + ".tmp%d" % os.getpid()
        with open(temp, "w") as f:
            f.write(text)
        os.replace(temp, args.output)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
