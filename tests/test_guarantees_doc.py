"""docs/docsite/rst/guarantees.rst carries tables generated from the fault scenarios (tests/guarantees.py): their rows,
and every column but the measured one (where each is checked included), must match the scenarios the tests run, so
docs and tests cannot drift. Each scenario is checked at exactly one layer."""

from tests import guarantees


def committed_tables():
    with open(guarantees.DOC_PATH, encoding="utf-8") as handle:
        text = handle.read()
    assert text.count(guarantees.BEGIN) == 1 and text.count(guarantees.END) == 1
    return guarantees.parse_tables(text)


def test_summary_rows_match():
    summary, dummy = committed_tables()
    assert summary[0] == ("Figure", "Value")
    assert tuple(row[0] for row in summary[1:]) == guarantees.SUMMARY_KEYS


def test_fault_rows_match_the_scenarios_the_tests_run():
    dummy, faults = committed_tables()
    assert faults[0] == guarantees.FAULT_HEADER
    assert [row[:-1] for row in faults[1:]] == [row[:-1] for row in guarantees.fault_rows()]


def test_rendering_round_trips():
    results = {"faults": {}, "fuzz": {}, "load": None, "scanned": 0, "scanned_vvvv": 0, "scanned_targets": None}
    tables = guarantees.parse_tables(guarantees.render(results))
    assert [row[0] for row in tables[1][1:]] == ["``%s``" % key for key in guarantees.SCENARIO_KEYS]
    assert all(row[-1] == "not run" for row in tables[1][1:])
    # A figure not measured is "-", which reStructuredText would read as an empty bullet list.
    assert dict(tables[0][1:])["Load: wall time"] == "\\-"


def test_each_row_says_where_it_is_checked_and_a_run_with_http_mocked_states_no_wall_time():
    unit, playbook = guarantees.UNIT_SCENARIOS[0], guarantees.PLAYBOOK_SCENARIOS[0]
    figures = dict(ok=True, deliveries=1, retries=0)
    measured = {unit.key: dict(figures, seconds=None), playbook.key: dict(figures, seconds=2.34)}
    rows = dict((row[0], row[-2:]) for row in guarantees.fault_rows(measured))
    assert rows["``%s``" % unit.key] == (
        guarantees.LAYERS["unit"], "succeeded; delivered 1; retries 0; no wall time (HTTP mocked)")
    assert rows["``%s``" % playbook.key] == (guarantees.LAYERS["playbook"], "succeeded; delivered 1; retries 0; 2.3 s")


def test_each_scenario_is_checked_at_exactly_one_layer():
    unit = set(scenario.key for scenario in guarantees.UNIT_SCENARIOS)
    playbook = set(scenario.key for scenario in guarantees.PLAYBOOK_SCENARIOS)
    assert not unit & playbook and unit | playbook == set(guarantees.SCENARIO_KEYS)


def test_the_committed_page_keeps_its_prose_around_the_generated_block(tmp_path, monkeypatch):
    """``make guarantees`` rewrites the generated block and nothing else of the page."""
    with open(guarantees.DOC_PATH, encoding="utf-8") as handle:
        text = handle.read()
    page = tmp_path / "guarantees.rst"
    page.write_text(text, encoding="utf-8")
    monkeypatch.setattr(guarantees, "DOC_PATH", str(page))
    monkeypatch.setattr(guarantees, "complete", lambda: True)
    assert guarantees.write_if_complete(0)
    head, rest = text.split(guarantees.BEGIN, 1)
    rewritten = page.read_text(encoding="utf-8")
    assert rewritten.startswith(head) and rewritten.endswith(rest.split(guarantees.END, 1)[1])
    assert len(guarantees.parse_tables(rewritten)[1]) == len(guarantees.SCENARIO_KEYS) + 1
