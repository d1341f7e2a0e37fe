"""Golden fixtures: they validate, reproduce, refuse silent regeneration and catch hand edits."""
import json
import os
import pathlib
import shutil

import numpy as np
import pytest

import golden
import reference as r
from golden import fixtures, store
from optoracle import golden_cli as cli


@pytest.fixture
def golden_copy(tmp_path):
    """A scratch copy of golden/data and the manifest."""
    shutil.copytree(store.DATA_DIR, tmp_path / "data")
    shutil.copy(store.MANIFEST, tmp_path / "manifest.json")
    return tmp_path


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n.startswith("train_") else n
                                  for n in fixtures.FILES])
def test_every_fixture_validates_against_the_json_schema(name):
    # the training files (10000-number arrays, a second each with jsonschema) are validated with -m slow
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(os.path.dirname(store.MANIFEST), "schema.json")) as f:
        schema = json.load(f)
    with open(os.path.join(store.DATA_DIR, name)) as f:
        jsonschema.validate(json.load(f), schema)


def test_the_manifest_records_provenance_checksums_and_a_rule_per_key():
    manifest = golden.read_manifest()
    assert set(manifest["versions"]) >= {"optoracle", "python", "numpy", "scikit_learn", "platform"}
    assert set(manifest["files"]) == set(fixtures.FILES)
    for name, record in manifest["files"].items():
        assert len(record["sha256"]) == 64
        for key, rule in record["keys"].items():
            assert rule["rule"] in ("exact", "close") and rule["why"], (name, key)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n.startswith("train_") else n
                                  for n in fixtures.FILES])
def test_recomputing_each_fixture_reproduces_the_committed_file(name, capsys):
    # `optoracle golden check`, one file per test so that pytest-xdist spreads the training runs; the training
    # runs (minutes together) are marked slow: `pytest -m slow`, or `optoracle golden check`
    assert cli.verify(only={name}) == 0, capsys.readouterr().out


@pytest.mark.parametrize("name", ["train_gd.json", "train_adam_inside.json", "train_2021_adam_schedule_lr_decay.json"])
def test_the_first_hundred_epochs_of_the_training_fixtures_reproduce(name):
    """The quick part of the slow recomputation: 100 epochs, compared under the manifest's rules."""
    entries = golden.load(name)
    hyper = golden.read_manifest()["files"][name]["hyperparameters"]
    X, Y = golden.load("dataset.json")["X"], golden.load("dataset.json")["Y"]
    result = r.train(X, Y, hyper["layers_dims"], hyper["optimizer"], hyper["learning_rate"], hyper["mini_batch_size"],
                     hyper["beta"], hyper["beta1"], hyper["beta2"], hyper["epsilon"], 100,
                     epsilon_placement=hyper["epsilon_placement"], decay=hyper["decay"],
                     decay_rate=hyper.get("decay_rate", 1), snapshot_epochs=(100,))
    np.testing.assert_allclose(result.epoch_costs, entries["epoch_costs"][:100], rtol=1e-9, atol=1e-12)
    for key, value in result.snapshots[100].items():
        np.testing.assert_allclose(value, entries[f"parameters_after_epoch_100/{key}"], rtol=1e-9, atol=1e-12)


def test_todays_scikit_learn_still_draws_the_stored_moons():
    stored = golden.load("dataset.json")
    X, Y = r.load_dataset()
    assert np.array_equal(Y, stored["Y"]) and np.allclose(X, stored["X"], rtol=1e-14, atol=1e-15), (
        "This scikit-learn no longer reproduces the seed-3 moons stored in golden/data/dataset.json. "
        "The fixtures and every check use the stored dataset, so nothing else is affected; "
        "reference.load_dataset() now returns a different dataset than the course's.")


def test_the_fixtures_hold_the_course_results():
    # the seed text's outcome: Adam ~94%, gd and momentum ~79.7% train accuracy after 10000 epochs; the 2021
    # notebook's decay runs: gd with update_lr 65.3%, with schedule_lr_decay 94.3%, momentum 95.3%
    assert golden.load("train_adam_inside.json")["train_accuracy"] >= 0.93
    assert golden.load("train_2021_gd_update_lr.json")["train_accuracy"] == pytest.approx(196 / 300)
    assert golden.load("train_2021_gd_schedule_lr_decay.json")["train_accuracy"] == pytest.approx(283 / 300)
    assert golden.load("train_2021_momentum_schedule_lr_decay.json")["train_accuracy"] == pytest.approx(286 / 300)
    for name in ("train_gd.json", "train_momentum.json"):
        assert 0.78 <= golden.load(name)["train_accuracy"] <= 0.81
    assert golden.load("minibatches.json")["m300_b64_seed11/count"] == 5


def test_a_hand_edited_fixture_is_reported_with_file_and_key(golden_copy):
    path = golden_copy / "data" / "init.json"
    document = json.loads(path.read_text())
    document["entries"]["parameters/W2"]["data"][0][0] += 1e-3
    path.write_text(store.dumps(document))
    with pytest.raises(golden.GoldenError, match=r"init\.json.*edited keys \['parameters/W2'\]"):
        store.load("init.json", data_dir=str(golden_copy / "data"))


def test_a_truncated_fixture_is_reported_not_used(golden_copy):
    path = golden_copy / "data" / "units.json"
    path.write_text(path.read_text()[:1000])
    with pytest.raises(golden.GoldenError, match=r"units\.json: not valid JSON"):
        store.load("units.json", data_dir=str(golden_copy / "data"))


def test_regenerate_refuses_to_overwrite_a_drifted_file_without_force(golden_copy):
    path = golden_copy / "data" / "init.json"
    document = json.loads(path.read_text())
    document["entries"]["parameters/W1"]["data"][0][0] = 42.0
    drifted = store.dumps(document)
    path.write_text(drifted)
    lines = []
    code = cli.regenerate(out=lines.append, data_dir=str(golden_copy / "data"),
                          manifest_path=str(golden_copy / "manifest.json"), only={"init.json"})
    assert code == 1 and path.read_text() == drifted
    assert any("REFUSED" in line for line in lines) and any("parameters/W1: drift" in line for line in lines)
    lines.clear()
    code = cli.regenerate(force=True, out=lines.append, data_dir=str(golden_copy / "data"),
                          manifest_path=str(golden_copy / "manifest.json"), only={"init.json"})
    assert code == 0 and path.read_text() == (pathlib.Path(os.path.join(store.DATA_DIR, "init.json")).read_text())
    assert any("parameters/W1: drift" in line for line in lines)          # --force still says what changed


def test_two_regenerations_are_byte_identical(golden_copy):
    only = {"init.json", "minibatches.json", "units.json"}
    kwargs = dict(out=lambda line: None, data_dir=str(golden_copy / "data"),
                  manifest_path=str(golden_copy / "manifest.json"), only=only)
    cli.regenerate(**kwargs)
    first = {n: (golden_copy / "data" / n).read_bytes() for n in only}
    cli.regenerate(**kwargs)
    assert first == {n: (golden_copy / "data" / n).read_bytes() for n in only}
    assert first == {n: pathlib.Path(os.path.join(store.DATA_DIR, n)).read_bytes() for n in only}


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(golden_copy, monkeypatch):
    path = golden_copy / "data" / "init.json"
    before = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt("interrupted")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.write_atomic(str(path), "{}")
    assert path.read_bytes() == before
    assert not [p for p in os.listdir(golden_copy / "data") if p.startswith(".tmp-")]


def test_optoracle_golden_check_verifies_named_files_from_any_folder(tmp_path, monkeypatch, capsys):
    from optoracle.cli import main
    monkeypatch.chdir(tmp_path)
    assert main(["golden", "check", "init.json", "minibatches.json"]) == 0
    out = capsys.readouterr().out
    assert "init.json: ok" in out and "0 problem(s) in 2 files" in out


def _commit(golden_copy, name, document):
    """Write ``document`` as if another machine had regenerated and committed it: file and manifest agree."""
    text = store.dumps(document)
    (golden_copy / "data" / name).write_text(text)
    manifest = json.loads((golden_copy / "manifest.json").read_text())
    record = manifest["files"][name]
    record["sha256"] = store.file_digest(text)
    for key, entry in document["entries"].items():
        record["keys"][key]["sha256"] = store.entry_digest(entry)
    (golden_copy / "manifest.json").write_text(store.dumps(manifest))


def test_regenerating_values_within_their_rules_leaves_the_committed_bytes_alone(golden_copy):
    """No churn across machines: another machine's last bits stay as committed, file and manifest."""
    document = json.loads((golden_copy / "data" / "init.json").read_text())
    w = document["entries"]["parameters/W1"]["data"]
    w[0][0] = float(np.nextafter(w[0][0], np.inf))             # one ulp: within the rule (rtol 1e-14)
    _commit(golden_copy, "init.json", document)
    committed = (golden_copy / "data" / "init.json").read_bytes()
    manifest = (golden_copy / "manifest.json").read_bytes()
    lines = []
    code = cli.regenerate(out=lines.append, data_dir=str(golden_copy / "data"),
                          manifest_path=str(golden_copy / "manifest.json"), only={"init.json"})
    assert code == 0 and any("init.json: unchanged (1 keys recomputed within their rules" in line for line in lines)
    assert (golden_copy / "data" / "init.json").read_bytes() == committed
    assert (golden_copy / "manifest.json").read_bytes() == manifest
    assert cli.verify(out=lambda line: None, only={"init.json"}, data_dir=str(golden_copy / "data"),
                      manifest_path=str(golden_copy / "manifest.json")) == 0


def test_a_drift_line_names_the_committed_and_the_recomputed_value_as_such():
    rules = {"k": ("close", 1e-12, 1e-15, "")}
    ((key, status, detail),) = cli.compare({"k": np.array([1.0, 2.0])}, {"k": np.array([1.0, 3.0])}, rules)
    assert status == "drift" and "worst at (1,): committed 2.0 vs recomputed 3.0" in detail
    assert "yours" not in detail and "expected" not in detail


def test_a_hand_edit_within_the_rule_is_repaired_by_regenerate_byte_for_byte(golden_copy):
    # the manifest still records the committed bytes: a one-ulp edit is within the rule, yet not kept
    path = golden_copy / "data" / "init.json"
    document = json.loads(path.read_text())
    w = document["entries"]["parameters/W1"]["data"]
    w[0][0] = float(np.nextafter(w[0][0], np.inf))
    path.write_text(store.dumps(document))
    paths = dict(data_dir=str(golden_copy / "data"), manifest_path=str(golden_copy / "manifest.json"))
    lines = []
    assert cli.regenerate(out=lines.append, only={"init.json"}, **paths) == 0
    assert any(line.startswith("init.json: rewritten: the committed file did not match the manifest") for line in lines)
    assert path.read_bytes() == pathlib.Path(os.path.join(store.DATA_DIR, "init.json")).read_bytes()
    assert cli.verify(out=lambda line: None, only={"init.json"}, **paths) == 0


def test_a_fixture_written_without_its_manifest_is_rewritten_with_it(golden_copy):
    # an interrupted run: the fixture is written (another machine's last bits), the manifest is not
    path = golden_copy / "data" / "init.json"
    document = json.loads(path.read_text())
    w = document["entries"]["parameters/W2"]["data"]
    w[0][0] = float(np.nextafter(w[0][0], -np.inf))
    path.write_text(store.dumps(document))
    paths = dict(data_dir=str(golden_copy / "data"), manifest_path=str(golden_copy / "manifest.json"))
    assert cli.verify(out=lambda line: None, only={"init.json"}, **paths) == 1
    assert cli.regenerate(out=lambda line: None, only={"init.json"}, **paths) == 0
    assert cli.verify(out=lambda line: None, only={"init.json"}, **paths) == 0


def test_every_drifted_key_is_listed_however_many(golden_copy, monkeypatch):
    build = fixtures.build

    def shifted(X, Y, only=None):           # as if the reference now shuffled differently: every key drifts
        built = build(X, Y, only=only)
        for fx in built.values():
            fx.entries.update({k: np.asarray(v) + 1 for k, v in fx.entries.items()})
        return built
    monkeypatch.setattr(cli.fixtures, "build", shifted)
    lines = []
    cli.verify(out=lines.append, only={"minibatches.json"}, data_dir=str(golden_copy / "data"),
               manifest_path=str(golden_copy / "manifest.json"))
    keys = json.loads((golden_copy / "data" / "minibatches.json").read_text())["entries"]
    assert len(keys) > 20 and lines[0] == f"minibatches.json: {len(keys)} keys drifted"
    assert sorted(line.split(":")[0].strip() for line in lines[1:-1]) == sorted(keys)


@pytest.mark.parametrize("content, words", [
    (b"[]", "not a golden fixture"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    (b'{"entries": {"parameters/W1": {"shape": [1], "data": [1.0]}}}', "does not match its checksums"),
])
def test_a_fixture_that_is_no_fixture_is_one_problem_line_naming_it(golden_copy, content, words):
    (golden_copy / "data" / "init.json").write_bytes(content)
    with pytest.raises(golden.GoldenError, match=f"init\\.json: {words}"):
        store.load("init.json", data_dir=str(golden_copy / "data"))


@pytest.mark.parametrize("content, words", [(b'{"files": {"init.json": ', "not valid JSON"),
                                            (b"[]", "not a golden manifest")])
def test_an_unreadable_manifest_stops_check_and_a_partial_regenerate_with_one_line_and_exit_2(
        golden_copy, content, words, monkeypatch, capsys):
    (golden_copy / "manifest.json").write_bytes(content)
    paths = dict(data_dir=str(golden_copy / "data"), manifest_path=str(golden_copy / "manifest.json"))
    with pytest.raises(golden.GoldenError, match=words):
        cli.verify(out=lambda line: None, only={"init.json"}, **paths)
    with pytest.raises(golden.GoldenError, match="with no file names writes it again"):
        cli.regenerate(out=lambda line: None, only={"init.json"}, **paths)
    # the command: one line on stderr, exit 2, never a traceback
    real = cli.verify
    monkeypatch.setattr(cli, "verify", lambda only=None: real(only=only, **paths))
    from optoracle.cli import main
    assert main(["golden", "check", "init.json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optoracle golden: ") and words in err


def test_an_unusable_stored_dataset_is_a_problem_never_a_live_make_moons_call(golden_copy, monkeypatch):
    (golden_copy / "data" / "dataset.json").write_text("{}")
    called = []
    monkeypatch.setattr(cli.fixtures, "build", lambda X, Y, only=None: called.append((X, only)) or {})
    lines = []
    problems = cli.verify(out=lines.append, only={"dataset.json", "train_gd.json"}, data_dir=str(golden_copy / "data"),
                          manifest_path=str(golden_copy / "manifest.json"))
    assert "dataset.json is unusable: 1 training fixtures not recomputed (train_gd.json)" in lines
    assert problems == 2 and all("train_gd.json" not in (only or ()) for _, only in called)


def _mt19937_permutation(m, seed):
    """np.random.seed(seed); np.random.permutation(m) as golden/README.md tells a port without numpy to write
    it: MT19937 (init_genrand, the tempered 32-bit outputs) and Fisher-Yates from the end with masked rejection."""
    state = [seed & 0xFFFFFFFF]
    for i in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + i) & 0xFFFFFFFF)
    position = [624]

    def next32():
        if position[0] == 624:
            for k in range(624):
                y = (state[k] & 0x80000000) | (state[(k + 1) % 624] & 0x7FFFFFFF)
                state[k] = state[(k + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            position[0] = 0
        y = state[position[0]]
        position[0] += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)

    a = list(range(m))
    for i in range(m - 1, 0, -1):
        mask = i
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> shift
        j = next32() & mask
        while j > i:
            j = next32() & mask
        a[i], a[j] = a[j], a[i]
    return a


def test_the_readmes_recipe_for_numpys_permutation_reproduces_every_minibatch_fixture():
    entries = golden.load("minibatches.json")
    cases = {key.split("/")[0] for key in entries}
    for case in cases:
        m, size, seed = (int(entries[f"{case}/{k}"]) for k in ("m", "mini_batch_size", "seed"))
        order = _mt19937_permutation(m, seed)
        batches = [order[k:k + size] for k in range(0, m, size)]
        assert int(entries[f"{case}/count"]) == len(batches), case
        for k, batch in enumerate(batches):
            assert entries[f"{case}/batch{k}"].tolist() == batch, (case, k)



def test_a_closed_stdout_is_not_reported_as_a_folder_that_cannot_be_written(tmp_path):
    import subprocess
    import sys
    read, write = os.pipe()
    os.close(read)                         # like `optoracle golden check | head -1` once head has exited
    try:
        proc = subprocess.run([sys.executable, "-m", "optoracle", "golden", "check", "units.json"], cwd=tmp_path,
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert proc.returncode == 0 and "cannot write" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
