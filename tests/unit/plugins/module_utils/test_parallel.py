import threading
import time

import pytest

from ansible_collections.genauth.management.plugins.module_utils._parallel import run_each


def test_outcomes_keep_input_order_and_each_failure_is_its_own():
    def work(item):
        time.sleep(0.01 * (5 - item))  # later items finish first
        if item == 2:
            raise ValueError("item 2 broke")
        return item * 10

    outcomes = run_each(work, range(5), concurrency=5)
    assert [o.value for o in outcomes] == [0, 10, None, 30, 40]
    assert [o.failed for o in outcomes] == [False, False, True, False, False]
    assert str(outcomes[2].error) == "item 2 broke"


@pytest.mark.parametrize("concurrency", [1, 3, 32])
def test_never_more_than_concurrency_at_once(concurrency):
    lock, running, peak = threading.Lock(), [0], [0]

    def work(item):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1
        return item

    assert [o.value for o in run_each(work, range(20), concurrency)] == list(range(20))
    assert 1 <= peak[0] <= concurrency
    if concurrency > 1:
        assert peak[0] > 1  # the items did overlap


def test_one_at_a_time_runs_on_the_calling_thread():
    caller = threading.current_thread()
    outcomes = run_each(lambda item: threading.current_thread() is caller, [1, 2], concurrency=1)
    assert [o.value for o in outcomes] == [True, True]
    assert run_each(lambda item: item, [], concurrency=4) == []
