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


def test_optoracle_golden_check_verifies_named_files_from_any_folder(tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "optoracle", "golden", "check", "init.json", "minibatches.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "init.json: ok" in proc.stdout and "0 problem(s) in 2 files" in proc.stdout


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
