"""Golden fixtures: they validate, reproduce, refuse silent regeneration and catch hand edits."""
import json
import os
import shutil

import numpy as np
import pytest

import golden
import reference as r
from golden import cli, fixtures, store


@pytest.fixture
def golden_copy(tmp_path):
    """A scratch copy of golden/data and the manifest."""
    shutil.copytree(store.DATA_DIR, tmp_path / "data")
    shutil.copy(store.MANIFEST, tmp_path / "manifest.json")
    return tmp_path


def test_every_fixture_validates_against_the_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(os.path.dirname(store.MANIFEST), "schema.json")) as f:
        schema = json.load(f)
    for name in fixtures.FILES:
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
    # `optoracle golden check`, one file per test so that pytest-xdist spreads the training runs
    assert cli.check(only={name}) == 0, capsys.readouterr().out


def test_todays_scikit_learn_still_draws_the_stored_moons():
    stored = golden.load("dataset.json")
    X, Y = r.load_dataset()
    assert np.array_equal(Y, stored["Y"]) and np.allclose(X, stored["X"], rtol=1e-14, atol=1e-15), (
        "This scikit-learn no longer reproduces the seed-3 moons stored in golden/data/dataset.json. "
        "The fixtures and every check use the stored dataset, so nothing else is affected; "
        "reference.load_dataset() now returns a different dataset than the course's.")


def test_the_fixtures_hold_the_course_results():
    # the seed text's outcome: Adam ~94%, gd and momentum ~79.7% train accuracy after 10000 epochs
    assert golden.load("train_adam_seed.json")["train_accuracy"] >= 0.93
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
    assert code == 0 and path.read_text() == (open(os.path.join(store.DATA_DIR, "init.json")).read())
    assert any("parameters/W1: drift" in line for line in lines)          # --force still says what changed


def test_two_regenerations_are_byte_identical(golden_copy):
    only = {"init.json", "minibatches.json", "units.json"}
    kwargs = dict(out=lambda line: None, data_dir=str(golden_copy / "data"),
                  manifest_path=str(golden_copy / "manifest.json"), only=only)
    cli.regenerate(**kwargs)
    first = {n: (golden_copy / "data" / n).read_bytes() for n in only}
    cli.regenerate(**kwargs)
    assert first == {n: (golden_copy / "data" / n).read_bytes() for n in only}
    assert first == {n: open(os.path.join(store.DATA_DIR, n), "rb").read() for n in only}


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


def test_python_dash_m_golden_checks_named_files(tmp_path):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "golden", "check", "init.json", "minibatches.json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "init.json: ok" in proc.stdout and "0 problem(s) in 2 files" in proc.stdout
