"""``rewardsmith.evolve`` from Python: bad settings are typed errors that store nothing, an
executor that breaks its contract stops the run (stored as failed, nothing lost), and the
run resumes on another executor to the same result as a run that never broke."""

from __future__ import annotations

import json
import subprocess
from typing import Iterator, List, Optional

import pytest

import rewardsmith
from rewardsmith import errors

SMALL = dict(proposer="offline", iterations=1, samples=2, final_seeds=1, steps=2048, recheck_top=0, seed=5, progress=False)


def test_bad_settings_are_typed_errors_and_store_no_run(tmp_path, cli):
    store = tmp_path / "runs.db"
    with pytest.raises(errors.EnvError, match="nope"):
        rewardsmith.evolve("nope", store=store, **SMALL)
    with pytest.raises(errors.ConfigError, match="offline"):
        rewardsmith.evolve("cartpole", store=store, **{**SMALL, "proposer": "gpt"})
    with pytest.raises(errors.ConfigError, match="at least 1"):
        rewardsmith.evolve("cartpole", store=store, **{**SMALL, "samples": 0})
    with pytest.raises(errors.NotFoundError):
        rewardsmith.evolve(resume=42, store=store, progress=False)
    with pytest.raises(ValueError, match="executor='ray'"):
        rewardsmith.evolve("cartpole", store=store, address="127.0.0.1:6379", **SMALL)
    out = subprocess.run([str(cli), "runs", "--store", str(store), "--json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


class Broken:
    """Runs the first job properly, then answers with something that is not an outcome."""

    name = "broken"

    def __init__(self, tmp) -> None:
        self.tmp = tmp

    def run(self, jobs: List[str]) -> Iterator[Optional[str]]:
        yield None
        yield rewardsmith.run_job(jobs[0], str(self.tmp / "w"), 1)
        yield '{"candidate_id": "nonsense"}'


def test_a_broken_executor_stops_the_run_and_it_resumes_locally_to_the_same_result(tmp_path, cli):
    reference = rewardsmith.evolve("cartpole", store=tmp_path / "ref.db", **SMALL)
    store = tmp_path / "runs.db"
    with pytest.raises(errors.ExecutorError, match="broken executor: not a train outcome"):
        rewardsmith.evolve("cartpole", store=store, executor=Broken(tmp_path), **SMALL)
    shown = json.loads(
        subprocess.run([str(cli), "runs", "--store", str(store), "show", "1", "--json"], capture_output=True, text=True, check=True).stdout
    )
    assert shown["run"]["status"] == "failed"
    assert [c["status"] for c in shown["candidates"]] == ["trained", "compiled"], "the first outcome was kept"
    resumed = rewardsmith.evolve(resume=1, store=store, progress=False)
    assert resumed.summary == reference.summary
    assert resumed.best_fitness is not None and resumed.report.exists()


def test_best_episodes_reach_the_run_and_its_trainings(tmp_path):
    """``best_episodes=0`` is stored with the run and its trainings keep no best checkpoint."""
    res = rewardsmith.evolve("cartpole", store=tmp_path / "runs.db", threads=1, best_episodes=0, **SMALL)
    import sqlite3

    with sqlite3.connect(tmp_path / "runs.db") as db:
        (config, artifacts) = db.execute("SELECT config_json, artifact_dir FROM runs WHERE id = ?", (res.run_id,)).fetchone()
    assert json.loads(config)["best_episodes"] == 0
    folders = [p for p in (tmp_path / artifacts).glob("c*") if (p / "result.json").exists()]
    assert folders, "the candidates' run folders"
    for f in folders:
        assert not (f / "policy-best.safetensors").exists(), f
        assert json.loads((f / "result.json").read_text())["best"] is None

