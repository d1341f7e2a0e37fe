"""The optimizers' updates of every lane's flat parameter vector (``reference.optimizers``' *_step).

Lanes of consecutive arms with the same optimizer form one group, updated together. Each
hyperparameter is a (g, R, 1) array holding the arm's Python float on each of its lanes, so
``beta * v`` is the same IEEE product per element as the reference's ``beta * v``::

    gd:        p <- p - lr g
    momentum:  v <- beta v + (1 - beta) g;                 p <- p - lr v
    adam:      v <- beta1 v + (1 - beta1) g;  s <- beta2 s + (1 - beta2) g^2
               v_hat = v / (1 - beta1^t);     s_hat = s / (1 - beta2^t)
               p <- p - lr v_hat / sqrt(s_hat + eps)     (epsilon_placement "inside")
               p <- p - lr v_hat / (sqrt(s_hat) + eps)   ("outside")

``1 - beta^t`` is computed as the reference does, in Python floats (``**`` of a float and an int).
"""
from __future__ import annotations

import numpy as np


class Updates:
    def __init__(self, ops, arms, R, size, epsilon_placement):
        self.ops, self.arms, self.R, self.placement = ops, arms, R, epsilon_placement
        self.groups = []                                    # (optimizer, first arm, last arm + 1)
        start = 0
        while start < len(arms):
            stop = start
            while stop < len(arms) and arms[stop].optimizer == arms[start].optimizer:
                stop += 1
            self.groups.append((arms[start].optimizer, start, stop))
            start = stop
        shape = (len(arms), R, size)
        self.v, self.s = ops.zeros(shape), ops.zeros(shape)     # velocity / first moment, second moment
        self.tmp, self.tmp2 = ops.empty(shape), ops.empty(shape)
        self.hyper = {}
        for _, a0, a1 in self.groups:
            group = arms[a0:a1]
            self.hyper[a0] = {name: self.lanes([f(arm) for arm in group]) for name, f in (
                ("beta", lambda arm: arm.beta), ("one_minus_beta", lambda arm: 1 - arm.beta),
                ("beta1", lambda arm: arm.beta1), ("one_minus_beta1", lambda arm: 1 - arm.beta1),
                ("beta2", lambda arm: arm.beta2), ("one_minus_beta2", lambda arm: 1 - arm.beta2),
                ("epsilon", lambda arm: arm.epsilon))}
        self.set_learning_rates([arm.learning_rate for arm in arms])

    def lanes(self, values):
        """(g, R, 1) array holding values[i] on every lane of the group's arm i; a Python float where
        all are equal (the same IEEE operation per element, with less work)."""
        if all(v == values[0] for v in values):
            return float(values[0])
        a = np.repeat(np.asarray(values, dtype=np.float64)[:, None, None], self.R, axis=1)
        return self.ops.asarray(a)

    def set_learning_rates(self, rates):
        """One learning rate per arm (after a decay step)."""
        self.lr = {a0: self.lanes(rates[a0:a1]) for _, a0, a1 in self.groups}

    def __call__(self, P_flat, G_flat, t):
        """Update P_flat (A, R, size) in place with the gradients G_flat; ``t`` is Adam's step count."""
        ops = self.ops
        for opt, a0, a1 in self.groups:
            p, g, lr, h, tmp = P_flat[a0:a1], G_flat[a0:a1], self.lr[a0], self.hyper[a0], self.tmp[a0:a1]
            if opt == "gd":
                ops.sub(p, ops.mul(g, lr, out=tmp), out=p)                          # p - lr g
            elif opt == "momentum":
                v = self.v[a0:a1]
                ops.mul(v, h["beta"], out=v)                                        # beta v
                ops.add(v, ops.mul(g, h["one_minus_beta"], out=tmp), out=v)         # + (1 - beta) g
                ops.sub(p, ops.mul(v, lr, out=tmp), out=p)                          # p - lr v
            else:
                self._adam(p, g, lr, h, a0, a1, t)

    def _adam(self, p, g, lr, h, a0, a1, t):
        ops = self.ops
        v, s, tmp, tmp2 = self.v[a0:a1], self.s[a0:a1], self.tmp[a0:a1], self.tmp2[a0:a1]
        ops.mul(v, h["beta1"], out=v)                                               # beta1 v
        ops.add(v, ops.mul(g, h["one_minus_beta1"], out=tmp), out=v)                # + (1 - beta1) g
        ops.mul(s, h["beta2"], out=s)                                               # beta2 s
        ops.add(s, ops.mul(ops.square(g, out=tmp), h["one_minus_beta2"], out=tmp), out=s)   # + (1 - beta2) g^2
        arms = self.arms[a0:a1]
        c1 = self.lanes([1 - arm.beta1 ** t for arm in arms])                       # Python floats, as the reference
        c2 = self.lanes([1 - arm.beta2 ** t for arm in arms])
        s_hat = ops.div(s, c2, out=tmp2)
        if self.placement == "inside":
            den = ops.sqrt(ops.add(s_hat, h["epsilon"], out=tmp2), out=tmp2)        # sqrt(s_hat + eps)
        else:
            den = ops.add(ops.sqrt(s_hat, out=tmp2), h["epsilon"], out=tmp2)        # sqrt(s_hat) + eps
        step = ops.mul(ops.div(v, c1, out=tmp), lr, out=tmp)                        # lr * v_hat
        ops.sub(p, ops.div(step, den, out=tmp), out=p)                              # p - lr v_hat / den
