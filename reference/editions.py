"""The reference in each course edition's own signatures (SPEC "Editions").

``edition_module("2021")`` is a module whose course functions have exactly the 2021 notebook's
names, parameters and defaults, and behave as that edition does (Adam's 5-tuple, the summed
cost, decay in ``model``, ``predict`` printing the accuracy). Every function binds its
arguments with the edition's signature and calls the one reference implementation with the
edition's conventions: an option of one implementation, never a copy.
"""
from __future__ import annotations

import functools
import inspect
import re
import types

import numpy as np

from . import network, optimizers, training
from .conventions import EDITIONS, complete

# The course's signatures. Graded functions, then the helpers of opt_utils (whose parameter
# names are the course's own: ``layer_dims``, ``y``).
GRADED = {
    "update_parameters_with_gd": "(parameters, grads, learning_rate)",
    "random_mini_batches": "(X, Y, mini_batch_size=64, seed=0)",
    "initialize_velocity": "(parameters)",
    "update_parameters_with_momentum": "(parameters, grads, v, beta, learning_rate)",
    "initialize_adam": "(parameters)",
    "update_parameters_with_adam": "(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, "
                                   "epsilon=1e-8)",
    "model": "(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9, beta1=0.9, "
             "beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True)",
}
DECAY_SIGNATURES = {
    "update_lr": "(learning_rate0, epoch_num, decay_rate)",
    "schedule_lr_decay": "(learning_rate0, epoch_num, decay_rate, time_interval=1000)",
    "model": "(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9, beta1=0.9, "
             "beta2=0.999, epsilon=1e-8, num_epochs=5000, print_cost=True, decay=None, decay_rate=1)",
}
HELPERS = {
    "initialize_parameters": "(layer_dims)",
    "forward_propagation": "(X, parameters)",
    "backward_propagation": "(X, Y, cache)",
    "compute_cost": "(a3, Y)",
    "predict": "(X, y, parameters)",
}


@functools.lru_cache(maxsize=None)
def parse_signature(text):
    """An ``inspect.Signature`` from ``"(a, b=1)"`` (the course's own defaults are literals; a Signature is
    immutable, so one per text is shared)."""
    namespace = {}
    exec(f"def f{text}: pass", {}, namespace)          # noqa: S102 - our own constant strings
    return inspect.signature(namespace["f"])


def course_signatures(conventions):
    """{function: Signature} of the graded functions (and decay functions) under ``conventions``."""
    conventions = complete(conventions)
    texts = dict(GRADED)
    if conventions.decay == "present":
        texts.update(DECAY_SIGNATURES)
    texts["model"] = re.sub(r"num_epochs=\d+", f"num_epochs={conventions.num_epochs}", texts["model"])
    return {name: parse_signature(text) for name, text in texts.items()}


def _bound(signature, args, kwargs):
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _with_signature(name, signature, body):
    def function(*args, **kwargs):
        return body(**_bound(signature, args, kwargs))
    function.__name__ = function.__qualname__ = name
    function.__signature__ = signature
    return function


def edition_module(edition):
    """A module of the reference's course functions as ``edition`` publishes them."""
    return conventions_module(EDITIONS[edition], f"reference@{edition}")


def conventions_module(conventions, name="reference"):
    """A module of the reference's course functions under ``conventions`` (open axes: the seed text's),
    with the course's signatures for them."""
    c = complete(conventions)
    signatures = course_signatures(c)
    signatures.update({name: parse_signature(text) for name, text in HELPERS.items()})

    def adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon):
        return optimizers.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2,
                                                      epsilon, epsilon_placement=c.epsilon, returns=c.adam_returns)

    def model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
              num_epochs, print_cost, decay=None, decay_rate=1):
        return training.model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
                              epsilon, num_epochs, print_cost, decay, decay_rate, epsilon_placement=c.epsilon,
                              cost_view=c.cost_view)

    def predict(X, y, parameters):
        predictions, accuracy = network.predict(X, y, parameters)
        print("Accuracy: " + str(np.mean(predictions[0, :] == y[0, :])))
        return predictions

    bodies = {
        "update_parameters_with_gd": optimizers.update_parameters_with_gd,
        "random_mini_batches": optimizers.random_mini_batches,
        "initialize_velocity": optimizers.initialize_velocity,
        "update_parameters_with_momentum": optimizers.update_parameters_with_momentum,
        "initialize_adam": optimizers.initialize_adam,
        "update_parameters_with_adam": adam,
        "model": model,
        "update_lr": optimizers.update_lr,
        "schedule_lr_decay": optimizers.schedule_lr_decay,
        "initialize_parameters": lambda layer_dims: network.initialize_parameters(layer_dims),
        "forward_propagation": network.forward_propagation,
        "backward_propagation": network.backward_propagation,
        "compute_cost": lambda a3, Y: network.compute_cost(a3, Y, reduction=c.cost),
        "predict": predict,
    }
    module = types.ModuleType(name, f"The reference under the conventions {c.describe()} (reference.editions).")
    module.conventions = c
    for name, signature in signatures.items():
        setattr(module, name, _with_signature(name, signature, bodies[name]))
    module.load_dataset = network.load_dataset
    return module
