"""What bench/caltech_head.py and bench/caltech_finetune.py share: the softmax, Adam, the linear softmax head trained
on frozen features, and mAP with every photo as a query."""
import numpy as np


def softmax(z):
    z = z - z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


class Adam:
    """Adam (β 0.9, 0.999; ε 1e-8) over a dict of arrays, updated in place, with a learning rate per key."""

    def __init__(self, params, learning_rates):
        self.rates, self.t = learning_rates, 0
        self.moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}

    def step(self, params, grads):
        self.t += 1
        for key, gradient in grads.items():
            m, v = self.moments[key]
            m *= 0.9; m += 0.1 * gradient
            v *= 0.999; v += 0.001 * gradient * gradient
            params[key] -= self.rates[key] * (m / (1 - 0.9 ** self.t)) / (np.sqrt(v / (1 - 0.999 ** self.t)) + 1e-8)


def linear_head(features, labels, classes, epochs=300, weight_decay=1e-4):
    """Softmax regression from zero weights ({"Wc", "bc"}, in the features' precision): full-batch Adam (0.01),
    L2 weight decay."""
    head = {"Wc": np.zeros((features.shape[1], classes), features.dtype), "bc": np.zeros(classes, features.dtype)}
    adam, target = Adam(head, {"Wc": 0.01, "bc": 0.01}), np.eye(classes, dtype=features.dtype)[labels]
    for _ in range(epochs):
        residual = (softmax(features @ head["Wc"] + head["bc"]) - target) / len(labels)
        adam.step(head, {"Wc": features.T @ residual + weight_decay * head["Wc"], "bc": residual.sum(0)})
    return head


def mean_average_precision(scores, labels):
    """Each photo as the query against the others, ranked by its row of scores (ties in index order)."""
    precisions = []
    for q in range(len(labels)):
        row = scores[q].copy()
        row[q] = -np.inf
        relevant = labels[np.argsort(-row, kind="stable")[:-1]] == labels[q]
        if relevant.any():
            precisions.append(average_precision(relevant))
    return float(np.mean(precisions))


def average_precision(relevant):
    """The mean of the precision at each relevant place of a ranking (a boolean array with at least one True)."""
    return (np.cumsum(relevant)[relevant] / (np.nonzero(relevant)[0] + 1)).mean()
