"""What bench/caltech_head.py and bench/caltech_finetune.py share: the softmax, and mAP with every photo as a query."""
import numpy as np


def softmax(z):
    z = z - z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def mean_average_precision(scores, labels):
    """Each photo as the query against the others, ranked by its row of scores (ties in index order)."""
    precisions = []
    for q in range(len(labels)):
        row = scores[q].copy()
        row[q] = -np.inf
        relevant = labels[np.argsort(-row, kind="stable")[:-1]] == labels[q]
        if relevant.any():
            hits = np.cumsum(relevant)
            precisions.append((hits[relevant] / (np.nonzero(relevant)[0] + 1)).mean())
    return float(np.mean(precisions))
