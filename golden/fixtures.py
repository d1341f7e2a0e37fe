"""What the golden fixtures hold, and how each entry is compared (the generator).

``build()`` returns ``{file name: Fixture}``; every Fixture lists its entries (flat
``a/b/c`` keys -> arrays) and a comparison rule per entry. Rules and their one-line
justifications are copied into the manifest.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import reference as ref
from .unit_cases import HYPER, one_step_case, sequence_case, zero_state

UNIT_SEEDS = (0, 1, 2)
SEQUENCE_SEED = 0
SNAPSHOT_EPOCHS = (1, 10, 100, 1000, 5000, 10000)
PRINT_EVERY = 1000
MINIBATCH_COST_EVERY = 100
MINIBATCH_CASES = {          # name -> (m, mini_batch_size, seed)
    "m300_b64_seed11": (300, 64, 11), "m300_b64_seed12": (300, 64, 12), "m300_b64_seed13": (300, 64, 13),
    "m1_b64": (1, 64, 11), "m5_b8_m_below_b": (5, 8, 11), "m8_b8_m_equals_b": (8, 8, 11),
    "m9_b4_m_is_2b_plus_1": (9, 4, 11),
}

# Comparison rules: (rule, rtol, atol, why). "exact" means equal as float64/int64.
EXACT_INT = ("exact", 0.0, 0.0, "integers from numpy's MT19937 permutation: identical on every platform")
INTEGER = ("exact", 0.0, 0.0, "an integer of the recipe: exact")
LIBM = ("close", 1e-14, 1e-15, "drawn through libm (cos, sin, log, sqrt), which may differ by an ulp across platforms")
INPUTS = ("close", 1e-14, 0.0, "drawn by numpy's default_rng (normal, uniform, 10**x): an ulp of libm across platforms")
STEP = ("close", 1e-12, 1e-15, "a few float64 operations: SIMD, FMA or another BLAS change the last bits only")
TRAJECTORY = ("close", 1e-9, 1e-12, "50000 float64 steps of a stable iteration: a 1-ulp change of the initial "
              "weights moves the 10000-epoch result by ~1e-15 (measured), so 1e-9 is 1e6 times that")
ZEROS = ("exact", 0.0, 0.0, "zeros are exact")
FLOAT32 = {"rtol": 1e-4, "why": "a float32 implementation rounds at 6e-8 per operation; after 10 epochs "
                                "(50 steps) its costs and parameters follow the float64 trajectory to ~1e-6"}


@dataclass
class Fixture:
    description: str
    profile: str | None = None
    hyperparameters: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)

    def add(self, key, value, rule):
        self.entries[key] = np.asarray(value)
        self.rules[key] = rule

    def add_dict(self, prefix, d, rule):
        for k, v in d.items():
            self.add(f"{prefix}/{k}", v, rule)


def dataset_fixture():
    X, Y = ref.load_dataset()
    fx = Fixture("The seed-3 moons: np.random.seed(3); make_moons(n_samples=300, noise=.2), transposed")
    fx.add("X", X, LIBM)
    fx.add("Y", Y, ("exact", 0.0, 0.0, "0/1 labels of make_moons: exact"))
    return fx


def init_fixture():
    fx = Fixture("He initialisation of [2, 5, 2, 1] after np.random.seed(3)",
                 hyperparameters={"layers_dims": [2, 5, 2, 1]})
    fx.add_dict("parameters", ref.initialize_parameters([2, 5, 2, 1]), LIBM)
    return fx


def minibatch_fixture():
    fx = Fixture("Column indices of each mini-batch of random_mini_batches, per case (m, size, seed)")
    for name, (m, size, seed) in MINIBATCH_CASES.items():
        X = np.arange(m, dtype=np.float64)[None, :]               # column j carries its index j
        batches = ref.random_mini_batches(X, X.astype(np.int64), size, seed)
        fx.add(f"{name}/m", m, INTEGER)
        fx.add(f"{name}/mini_batch_size", size, INTEGER)
        fx.add(f"{name}/seed", seed, INTEGER)
        fx.add(f"{name}/count", len(batches), INTEGER)
        for k, (bx, _) in enumerate(batches):
            fx.add(f"{name}/batch{k}", bx[0].astype(np.int64), EXACT_INT)
    return fx


def units_fixture():
    """gd, momentum and the state initialisers: profile-independent."""
    fx = Fixture("Unit cases (recipe: golden/unit_cases.py) for update_parameters_with_gd, "
                 "update_parameters_with_momentum, initialize_velocity and initialize_adam",
                 hyperparameters=dict(HYPER))
    for seed in UNIT_SEEDS:
        case = one_step_case(seed)
        p, g, v = case["parameters"], case["grads"], case["v"]
        lr, beta = case["learning_rate"], case["beta"]
        base = f"gd/case{seed}"
        fx.add_dict(f"{base}/inputs/parameters", p, INPUTS)
        fx.add_dict(f"{base}/inputs/grads", g, INPUTS)
        fx.add_dict(f"{base}/outputs/parameters", ref.update_parameters_with_gd(p, g, lr), STEP)
        base = f"momentum/case{seed}"
        fx.add_dict(f"{base}/inputs/parameters", p, INPUTS)
        fx.add_dict(f"{base}/inputs/grads", g, INPUTS)
        fx.add_dict(f"{base}/inputs/v", v, INPUTS)
        new_p, new_v = ref.update_parameters_with_momentum(p, g, v, beta, lr)
        fx.add_dict(f"{base}/outputs/parameters", new_p, STEP)
        fx.add_dict(f"{base}/outputs/v", new_v, STEP)
        fx.add_dict(f"initialize_velocity/case{seed}/inputs/parameters", p, INPUTS)
        fx.add_dict(f"initialize_velocity/case{seed}/outputs/v", ref.initialize_velocity(p), ZEROS)
        v0, s0 = ref.initialize_adam(p)
        fx.add_dict(f"initialize_adam/case{seed}/inputs/parameters", p, INPUTS)
        fx.add_dict(f"initialize_adam/case{seed}/outputs/v", v0, ZEROS)
        fx.add_dict(f"initialize_adam/case{seed}/outputs/s", s0, ZEROS)
    seq = sequence_case(SEQUENCE_SEED)
    for name in ("gd", "momentum"):
        base = f"{name}/sequence"
        p, v = seq["parameters"], zero_state(seq["parameters"])
        fx.add_dict(f"{base}/inputs/parameters", p, INPUTS)
        for t, g in enumerate(seq["grads_seq"], start=1):
            fx.add_dict(f"{base}/inputs/grads_t{t}", g, INPUTS)
            if name == "gd":
                p = ref.update_parameters_with_gd(p, g, seq["learning_rate"])
            else:
                p, v = ref.update_parameters_with_momentum(p, g, v, seq["beta"], seq["learning_rate"])
                fx.add_dict(f"{base}/outputs/v_t{t}", v, STEP)
            fx.add_dict(f"{base}/outputs/parameters_t{t}", p, STEP)
    return fx


def adam_units_name(placement):
    return f"units_adam_{placement}.json"


def train_name(optimizer, placement="inside", decay=None):
    """The fixture of a training run: by optimizer, Adam's epsilon convention, and the 2021 decay runs."""
    if decay is not None:
        return f"train_2021_{optimizer}_{decay}.json"
    return f"train_adam_{placement}.json" if optimizer == "adam" else f"train_{optimizer}.json"


def adam_units_fixture(placement):
    fx = Fixture(f"Unit cases (recipe: golden/unit_cases.py) for update_parameters_with_adam, epsilon {placement} "
                 "the square root", profile=f"epsilon={placement}",
                 hyperparameters={**HYPER, "epsilon_placement": placement})
    for seed in UNIT_SEEDS:
        case = one_step_case(seed)
        base = f"adam/case{seed}"
        for name in ("parameters", "grads", "v", "s"):
            fx.add_dict(f"{base}/inputs/{name}", case[name], INPUTS)
        fx.add(f"{base}/inputs/t", case["t"], INTEGER)
        new_p, new_v, new_s = ref.update_parameters_with_adam(
            case["parameters"], case["grads"], case["v"], case["s"], case["t"], case["learning_rate"],
            case["beta1"], case["beta2"], case["epsilon"], epsilon_placement=placement)
        fx.add_dict(f"{base}/outputs/parameters", new_p, STEP)
        fx.add_dict(f"{base}/outputs/v", new_v, STEP)
        fx.add_dict(f"{base}/outputs/s", new_s, STEP)
    seq = sequence_case(SEQUENCE_SEED)
    p = seq["parameters"]
    v, s = zero_state(p), zero_state(p)
    fx.add_dict("adam/sequence/inputs/parameters", p, INPUTS)
    for t, g in enumerate(seq["grads_seq"], start=1):
        fx.add_dict(f"adam/sequence/inputs/grads_t{t}", g, INPUTS)
        p, v, s = ref.update_parameters_with_adam(p, g, v, s, t, seq["learning_rate"], seq["beta1"], seq["beta2"],
                                                  seq["epsilon"], epsilon_placement=placement)
        fx.add_dict(f"adam/sequence/outputs/parameters_t{t}", p, STEP)
        fx.add_dict(f"adam/sequence/outputs/v_t{t}", v, STEP)
        fx.add_dict(f"adam/sequence/outputs/s_t{t}", s, STEP)
    return fx


TRAIN_HYPER = {"layers_dims": [2, 5, 2, 1], "learning_rate": 0.0007, "mini_batch_size": 64, "beta": 0.9,
               "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "num_epochs": 10000}
# The 2021 notebook's runs with learning-rate decay: 5000 epochs, epsilon outside, learning_rate 0.1.
DECAY_HYPER = {**TRAIN_HYPER, "learning_rate": 0.1, "num_epochs": 5000, "decay_rate": 1}
DECAY_RUNS = [(optimizer, decay) for decay in ("update_lr", "schedule_lr_decay") for optimizer in ("gd", "momentum",
                                                                                                      "adam")]


def train_fixture(optimizer, placement, X, Y, decay=None):
    hyper = DECAY_HYPER if decay else TRAIN_HYPER
    result = ref.train(X, Y, list(hyper["layers_dims"]), optimizer, hyper["learning_rate"],
                       hyper["mini_batch_size"], hyper["beta"], hyper["beta1"], hyper["beta2"], hyper["epsilon"],
                       hyper["num_epochs"], epsilon_placement=placement, decay=decay,
                       decay_rate=hyper.get("decay_rate", 1),
                       snapshot_epochs=[e for e in SNAPSHOT_EPOCHS if e <= hyper["num_epochs"]])
    predictions, accuracy = ref.predict(X, Y, result.parameters)
    what = f"{optimizer}" + (f", epsilon {placement} the root" if optimizer == "adam" else "") + (
        f", learning rate {hyper['learning_rate']} with decay={decay} (the 2021 notebook)" if decay else "")
    fx = Fixture(f"Training on the seed-3 moons with {what} (reference.train)",
                 profile=f"epsilon={placement}" if optimizer == "adam" else None,
                 hyperparameters={**hyper, "optimizer": optimizer, "epsilon_placement": placement,
                                  "decay": decay})
    fx.add("epoch_costs", result.epoch_costs, TRAJECTORY)
    fx.add("minibatch_costs_every_100_epochs", result.minibatch_costs[::MINIBATCH_COST_EVERY], TRAJECTORY)
    printed = slice(0, None, PRINT_EVERY)
    last = result.minibatch_costs.shape[1] - 1
    fx.add("printed_costs/last_batch_mean", result.minibatch_costs[printed, last], TRAJECTORY)
    fx.add("printed_costs/epoch_mean", result.epoch_costs[printed], TRAJECTORY)
    if decay:
        fx.add("printed_learning_rates", result.learning_rates[printed], STEP)
    for epoch in sorted(result.snapshots):
        fx.add_dict(f"parameters_after_epoch_{epoch}", result.snapshots[epoch], TRAJECTORY)
    fx.add("final_predictions", predictions, ("exact", 0.0, 0.0, "0/1 labels; no training example lies near "
                                                                "the 0.5 threshold"))
    fx.add("train_accuracy", accuracy, ("close", 1e-12, 0.0, "a count divided by 300"))
    return fx


def build(X=None, Y=None, only=None):
    """The fixtures named in ``only`` (default all), ``{name: Fixture}``. Trajectories use (X, Y) when given:
    the stored dataset, so that the check does not depend on scikit-learn staying bit-stable."""
    makers = {"dataset.json": dataset_fixture, "init.json": init_fixture, "minibatches.json": minibatch_fixture,
              "units.json": units_fixture}
    for placement in ("inside", "outside"):
        makers[adam_units_name(placement)] = (lambda p=placement: adam_units_fixture(p))
    if X is None:
        X, Y = ref.load_dataset()
    for optimizer, placement in (("gd", "inside"), ("momentum", "inside"), ("adam", "inside"), ("adam", "outside")):
        makers[train_name(optimizer, placement)] = (lambda o=optimizer, p=placement: train_fixture(o, p, X, Y))
    for optimizer, decay in DECAY_RUNS:
        makers[train_name(optimizer, decay=decay)] = (lambda o=optimizer, d=decay: train_fixture(o, "outside", X, Y,
                                                                                              d))
    return {name: make() for name, make in makers.items() if only is None or name in only}


FILES = ("dataset.json", "init.json", "minibatches.json", "units.json", adam_units_name("inside"),
         adam_units_name("outside"), train_name("gd"), train_name("momentum"), train_name("adam", "inside"),
         train_name("adam", "outside"), *(train_name(o, decay=d) for o, d in DECAY_RUNS))
QUICK = FILES[:6]          # recomputed in a second; the training files take minutes together
