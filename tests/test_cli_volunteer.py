"""``hearth volunteer ...`` and ``hearth staff add --role coordinator`` (issue 13, part 3),
run as real processes: an operator imports a facilitator's certificates and sets their next
supervision; every change is audited; mistakes are one clear line."""

from __future__ import annotations

import json
from pathlib import Path

from server.programme.training import add_months, today
from tests.test_cli import _one_clear_line, hearth

PASSWORD = "a long enough password for the tests"


def test_an_operator_records_training_and_supervision(tmp_path: Path) -> None:
    assert hearth(tmp_path, "staff", "add", "fran", "--role", "facilitator",
                  password=PASSWORD).returncode == 0
    added = hearth(tmp_path, "staff", "add", "cora", "--role", "coordinator", password=PASSWORD)
    assert added.returncode == 0 and "added coordinator cora" in added.stdout

    modules = hearth(tmp_path, "volunteer", "modules").stdout
    assert "safeguarding_1  Safeguarding level 1  (required; valid 24 months)" in modules
    assert "induction  Facilitator induction  (required; does not expire)" in modules
    listed = hearth(tmp_path, "volunteer", "list").stdout
    assert "fran" in listed and "missing" in listed and "cora" not in listed

    trained = hearth(tmp_path, "volunteer", "train", "fran", "safeguarding_1", "--on",
                     "2024-03-03")
    assert trained.returncode == 0, trained.stderr
    record = trained.stdout.strip().rsplit("(", 1)[1].rstrip(")")
    assert trained.stdout.startswith("recorded safeguarding_1 for fran, completed 2024-03-03")
    for module in ("induction", "perinatal_mental_health"):
        assert hearth(tmp_path, "volunteer", "train", "fran", module).returncode == 0
    due = hearth(tmp_path, "volunteer", "supervision", "fran", "2027-01-15")
    assert due.returncode == 0 and "2027-01-15" in due.stdout
    chosen = hearth(tmp_path, "volunteer", "supervisor-of", "fran", "cora")
    assert chosen.returncode == 0 and chosen.stdout.strip() == "fran's supervisor: cora"

    shown = hearth(tmp_path, "volunteer", "show", "fran").stdout
    assert "fran: training expired (cannot facilitate" in shown
    assert "Safeguarding level 1 expired on 3 March 2026" in shown
    assert "hours given: none yet" in shown  # issue 13, part 4
    ends = add_months(today(), 36)
    assert f"Perinatal mental health awareness is current until {ends.day} " in shown
    assert f"{record}  safeguarding_1  completed 2024-03-03  (recorded by command line)" in shown
    assert "supervision: 2027-01-15" in shown and "lived experience: none recorded" in shown
    assert "supervisor: cora" in shown

    removed = hearth(tmp_path, "volunteer", "untrain", "fran", record)
    assert removed.returncode == 0 and record in removed.stdout
    assert "Safeguarding level 1 has not been recorded" in hearth(
        tmp_path, "volunteer", "show", "fran").stdout
    assert "(unchanged)" in hearth(tmp_path, "volunteer", "supervision", "fran",
                                   "2027-01-15").stdout
    assert "none" in hearth(tmp_path, "volunteer", "supervision", "fran", "none").stdout

    _one_clear_line(hearth(tmp_path, "volunteer", "train", "fran", "juggling"),
                    "no training module 'juggling'")
    _one_clear_line(hearth(tmp_path, "volunteer", "train", "fran", "induction", "--on",
                           "2099-01-01"), "in the future")
    _one_clear_line(hearth(tmp_path, "volunteer", "train", "fran", "induction", "--on",
                           "3/3/2024"), "not a date")
    _one_clear_line(hearth(tmp_path, "volunteer", "show", "cora"),
                    "only facilitators have volunteer records")
    _one_clear_line(hearth(tmp_path, "volunteer", "show", "nobody"), "no staff account")
    _one_clear_line(hearth(tmp_path, "volunteer", "supervisor-of", "fran", "fran"),
                    "not an enabled coordinator's account")
    _one_clear_line(hearth(tmp_path, "volunteer", "untrain", "fran", "t_nothere"),
                    "no training record")
    verified = hearth(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    # Every change is audited, once, by the command line; the refusals and the unchanged
    # supervision wrote nothing.
    log = hearth(tmp_path, "audit", "list", "--last", "100")
    assert log.returncode == 0, log.stderr
    entries = [json.loads(line) for line in log.stdout.splitlines()
               if '"volunteer.' in line]
    assert [(e["action"], e["actor"], e["detail"]["username"]) for e in entries] == [
        *[("volunteer.training.add", "command line", "fran")] * 3,
        ("volunteer.supervision", "command line", "fran"),
        ("volunteer.supervisor", "command line", "fran"),
        ("volunteer.training.remove", "command line", "fran"),
        ("volunteer.supervision", "command line", "fran")]
    assert [e["detail"]["module"] for e in entries[:3]] == [
        "safeguarding_1", "induction", "perinatal_mental_health"]
    assert entries[0]["detail"]["record"] == record == entries[5]["detail"]["record"]
    assert entries[0]["detail"]["completed_on"] == "2024-03-03"
    assert (entries[3]["detail"]["due"], entries[6]["detail"]["due"]) == ("2027-01-15", None)
    assert entries[4]["detail"]["supervisor"].startswith("s_")  # an account id, not a name
    assert len({e["target"] for e in entries}) == 1


def test_the_training_settings_are_checked_at_start(tmp_path: Path) -> None:
    _one_clear_line(hearth(tmp_path, "volunteer", "list",
                           env={"HEARTH_REQUIRE_TRAINING": "sometimes"}),
                    "HEARTH_REQUIRE_TRAINING must be 1 (on) or 0 (off)")
    bad = tmp_path / "modules.json"
    bad.write_text(json.dumps({"modules": [{"id": "a", "name": "A", "required": "yes",
                                            "valid_months": None}]}))
    _one_clear_line(hearth(tmp_path, "volunteer", "modules",
                           env={"HEARTH_TRAINING_MODULES": str(bad)}),
                    "HEARTH_TRAINING_MODULES", "true or false")
    own = tmp_path / "ours.json"
    own.write_text(json.dumps({"modules": [
        {"id": "first_aid", "name": {"en": "Paediatric first aid"}, "required": True,
         "valid_months": 36}]}))
    listed = hearth(tmp_path, "volunteer", "modules", env={"HEARTH_TRAINING_MODULES": str(own)})
    assert listed.stdout.strip() == ("first_aid  Paediatric first aid  (required; valid 36 "
                                     "months)")
