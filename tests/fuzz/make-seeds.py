#!/usr/bin/python3
"""Writes the seed corpora in corpus/*/seed-* (run it with Debian's
/usr/bin/python3, which has NumPy). The .npy seeds are written by NumPy
itself, so the fuzzers start from real headers; the rest are tiny
hand-written manifests, CSV files, tables, fronts and configs. Regression inputs (crash-*, the
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
put("manifest", "predictions.json",
    '{"labels": "labels.csv", "label_columns": {"id": "file_name", "label": "label"}, '
    '"models": [{"name": "ResNet50", "predictions": "ResNet50.csv", "gmacs": 4.11, '
    '"published": "resnet50.tv_in1k", "columns": {"id": "file_name", '
    '"prediction": "predicted_class", "confidence": "predicted_probability"}}, '
    '{"name": "s", "logits": "s.npy", "gmacs": 5}]}')
put("manifest", "sorted-ids.json",
    '{"labels": "real.json", "label_ids": "sorted", '
    '"models": [{"name": "p", "predictions": "p.csv", "columns": {}, "gmacs": 1}]}')
put("manifest", "bad-label-keys.json",
    '{"labels": "l.csv", "label_columns": {"id": ""}, "label_ids": "sorted", '
    '"models": [{"name": "p", "predictions": "p.csv", "columns": {"x": "y"}, "published": 1}]}')
put("manifest", "bad-syntax.json", '{"labels": "l.npy", "models": [{"name": "a",]}')

put("csv_array", "header.csv", "c0,c1,c2\n2.0,-1,0.5\n0.1,0.2,3e0\n")
put("csv_array", "no-header.csv", "0.7,0.2,0.1\r\n0.1,0.1,0.8\r\n")
put("csv_array", "labels.csv", "label\n0\n2\n1\n")
put("csv_array", "quoted.csv", '"a","b, c"\n"1.5", 2\n-0.25 ,"1e-3"\n')
put("csv_array", "blank-lines.csv", "1,2\n\n3,4\n\n")
put("csv_array", "special.csv", "x,y\nnan,inf\n-inf,0x1p3\n")
put("csv_array", "ragged.csv", "1,2,3\n4,5\n")
put("csv_array", "text-cell.csv", "a,b\n1,oops\n")

# A records cache file: float64 [samples][3] (prediction, confidence, correct).
put("npy", "records.npy", npy(np.array([[2, 0.9, 1], [0, 0.55, 0], [9, 1.0, 1]], dtype="<f8")))
put("npy", "records-f4.npy", npy(np.array([[1, 0.5, 0]], dtype="<f4")))

put("manifest", "records-manifest.json",
    '{"name": "records", "format": "cascade-records", "version": 1, "metric": "max_softmax",\n'
    ' "labels": "labels.npy", "models": [\n'
    '  {"name": "a", "records": "000-a.records.npy", "classes": 3, "gmacs": 1},\n'
    '  {"name": "b", "records": "001-b.records.npy", "classes": 3, "gmacs": 2}]}\n')
put("manifest", "bad-records-outside.json",
    '{"labels": "l.npy", "models": [{"name": "a", "records": "a.records.npy", "gmacs": 1}]}')

# timm-style results and benchmark tables (hand-written, same shapes).
put("table", "results.csv",
    "model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation\n"
    "resnet50.a1_in1k,80.1,19.9,94.6,5.4,25.56,288,1.0,bicubic\n"
    "vit_small_patch16_224.augreg_in21k,81.4,18.6,96.1,3.9,22.05,224,0.9,bicubic\n"
    "mobilenetv3_small_100,67.7,32.3,87.7,12.3,2.54,224,0.875,bicubic\n")
put("table", "benchmark.csv",
    "model,infer_samples_per_sec,infer_step_time,infer_batch_size,infer_img_size,infer_gmacs,param_count\n"
    'resnet50,"1,014.45",252.3,256,224,4.11,25.56\n'
    "resnet50,700.1,365.7,256,288,6.8,25.56\n"
    "mobilenetv3_small_100,12001.5,21.3,1024.0,224,0.06,2.54\n"
    "vit_small_patch16_224,3112.2,82.2,256,224,,22.05\n")
put("table", "quirks.csv",
    "\ufeffmodel,top1,accuracy,gmacs,top1_diff\r\n"
    '"a,b",+0.5,0.5,"1,000",+1.2\r\n'
    'c,-3e-2,,nan,\r\n'
    'd,"1,0000",1,inf\r\n'
    "e\r\n")
put("table", "bad-quote.csv", 'model,top1\nx,"80.1\ny,1"2\n')

put("front_csv", "sweep.csv",
    "models,thresholds,accuracy,cost,stages,answered,on_front,metric\n"
    "a,,0.6666666666666666,1,1,1,1,max_softmax\n"
    "a>b,0.62067892,1,1.6666666666666665,2,0.6666666666666666;0.3333333333333333,1,max_softmax\n"
    "b,,1,2,1,1,0,max_softmax\n")
put("front_csv", "three-stages.csv",
    "models,thresholds,accuracy,cost,stages,answered,metric,eval_accuracy,eval_cost\n"
    "a>b>c,0.5;0.75,0.93,0.1,3,0.7;0.2;0.1,margin,0.92,0.11\n"
    '"x,y>z",0.9,0.5,2,2,0.5;0.5,entropy,,\n')
put("front_csv", "minimal.csv",
    "answered,stages,cost,accuracy,thresholds,models\n1,1,0,1,,only\n")
# Fronts by another score (sweep --score): the column is named after it.
put("front_csv", "mcc.csv",
    "models,thresholds,mcc,cost,stages,answered,metric,eval_mcc,eval_cost\n"
    "a,,-0.25,1,1,1,max_softmax,-0.3,1\n"
    "a>b,0.62067892,0.5219083044370448,1.5,2,0.5;0.5,max_softmax,0.5,1.5\n")
put("front_csv", "two-scores.csv",
    "models,thresholds,accuracy,macro_f1,cost,stages,answered\na,,0.8,0.7,1,1,1\n")

put("config", "pick.json",
    '{\n\t"models":\t["a", "b"],\n\t"thresholds":\t[0.62067892],\n\t"metric":\t"max_softmax",\n'
    '\t"accuracy":\t1,\n\t"cost":\t1.6666666666666665,\n\t"answered":\t[0.6666666666666666, 0.3333333333333333]\n}\n')
put("config", "one-stage.json", '{"models": ["lenet5"], "thresholds": []}')
put("config", "mcc.json",
    '{"models": ["distilbert", "roberta_large"], "thresholds": [0.9], "metric": "max_softmax", '
    '"mcc": 0.66, "cost": 0.1, "f1": null}')
put("config", "eight-stages.json",
    '{"models": ["m1","m2","m3","m4","m5","m6","m7","m8"], '
    '"thresholds": [0.1,0.2,0.3,0.4,0.5,0.6,0.7], "metric": "max_softmax", "eval_accuracy": null}')
put("config", "bad-metric.json", '{"models": ["a", "b"], "thresholds": [0.5], "metric": "margin"}')
put("config", "bad-count.json", '{"models": ["a", "b"], "thresholds": [0.5, 0.6]}')
put("config", "guarantee.json",
    '{"models": ["lenet5", "vgg16"], "thresholds": [0.892138843], "metric": "max_softmax", '
    '"accuracy": 0.923, "cost": 0.2596262, "answered": [0.1726, 0.8274], "eval_accuracy": 0.916, '
    '"guarantee": {"method": "ltt", "n": 5000, "eps": 0.02, "delta": 0.1, "chains": 2, '
    '"fit_drop": 0.0158, "eval_drop": 0.0198}}')
put("config", "guarantee-crc.json",
    '{"models": ["a", "b"], "thresholds": [0.5], "guarantee": {"method": "crc", "n": 99, '
    '"eps": 0.05, "delta": null, "fit_drop": 0.01, "eval_drop": null}}')

# Prediction tables and keyed label tables (hand-written in the shape of
# imagenet-x's files, never copied from them).
put("prediction_table", "small.csv",
    "id,prediction,confidence\nc,2,0.9\na,0,0.8\nd,2,0.6\nb,1,0.7\n")
put("prediction_table", "val-names.csv",
    "id,prediction,confidence\nILSVRC2012_val_00000003.JPEG,230,0.8365915418000001\n"
    "ILSVRC2012_val_00000001.JPEG,65,0.5530332327\nILSVRC2012_val_00000002.JPEG,970,1\n")
put("prediction_table", "quoted-crlf.csv",
    'confidence,id,prediction,extra\r\n0.5,"x,y",3,\r\n1e-3,z,"1,000",q\r\n')
put("prediction_table", "duplicate.csv", "id,prediction,confidence\na,0,0.8\na,1,0.2\n")
put("prediction_table", "bad-values.csv", "id,prediction,confidence\na,-1,nan\n,2.5,inf\n")
put("prediction_table", "missing-column.csv", "id,class\na,1\n")
put("prediction_table", "cost-quality.csv",
    "id,prediction,confidence,cost,quality\nc,2,0.9,3.5,1\na,0,0.8,0,0.25\nb,1,0.7,120,0\n")
put("prediction_table", "bad-cost-quality.csv",
    "id,prediction,confidence,cost,quality\nc,2,0.9,-1,1.5\na,0,0.8,,nan\nb,1,0.7,inf,\n")
# a graded table needs no prediction column: its predictions are all 0
put("prediction_table", "quality-without-prediction.csv",
    "id,confidence,cost,quality\nc,0.9,3.5,1\na,0.8,0,0.25\nb,0.7,120,0\n")
put("keyed_labels", "small.csv", "id,label\nd,1\nb,1\na,0\nc,2\n")
put("keyed_labels", "val-names.csv",
    "id,label\nILSVRC2012_val_00000002.JPEG,0\nILSVRC2012_val_00000001.JPEG,999\n")
put("keyed_labels", "reordered-crlf.csv", 'label,id\r\n"3",x\r\n7.0,"y z"\r\n')
put("keyed_labels", "duplicate.csv", "id,label\nb,1\nb,1\n")
put("keyed_labels", "bad-values.csv", "id,label\na,-2\nb,x\n,1\n")

# Multi-labels as ImageNet ReaL writes them: a list per sample, some empty.
put("labels_json", "real.json", "[[970, 795], [], [230], [809, 0]]\n")
put("labels_json", "single-indices.json", "[3, 0, [1, 2], 999]")
put("labels_json", "bad-negative.json", "[[1], [-1]]")
put("labels_json", "bad-not-array.json", '{"0": [1]}')
put("labels_json", "bad-fraction.json", "[[1.5]]")

# Fit/eval index files: one sample index per line (dataset of 64 samples).
put("index", "fit.txt", "0\n1\n2\n10\n63\n")
put("index", "spaces-crlf.txt", " 5 \r\n\t7\r\n")
put("index", "bad-repeat.txt", "3\n4\n3\n")
put("index", "bad-range.txt", "64\n")
put("index", "bad-text.txt", "12a\n-1\n")
