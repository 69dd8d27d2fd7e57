"""The child process that checks large member files while this process writes."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from chibo.imports.process import ChildFailed, in_child_process, last_child
from chibo.imports.readers import FileProblem


def test_values_are_computed_in_another_process_and_arrive_in_order():
    def produce():
        for i in range(5):
            yield i, os.getpid()

    received = list(in_child_process(produce))

    assert [i for i, _pid in received] == [0, 1, 2, 3, 4]
    assert {pid for _i, pid in received} != {os.getpid()}
    assert last_child.peak_rss_mb and last_child.peak_rss_mb > 1  # the child reports its memory


def test_an_error_in_the_child_is_raised_here_with_its_details():
    def produce():
        yield 1
        raise FileProblem("The file ends too soon.", row=4321)

    source = in_child_process(produce)
    assert next(source) == 1
    with pytest.raises(FileProblem) as raised:
        next(source)
    assert (raised.value.message, raised.value.row) == ("The file ends too soon.", 4321)


def test_a_child_that_dies_is_reported():
    def produce():
        yield 1
        os._exit(3)

    with pytest.raises(ChildFailed, match="exit code 3"):
        list(in_child_process(produce))


def test_an_unpicklable_error_arrives_as_its_traceback():
    class Local(Exception):  # defined in a function: pickle cannot find it by name
        pass

    def produce():
        raise Local("no pickle")
        yield

    with pytest.raises(ChildFailed, match="no pickle"):
        list(in_child_process(produce))


def test_stopping_early_stops_the_child():
    def produce():
        i = 0
        while True:
            i += 1
            yield i

    source = in_child_process(produce)
    assert next(source) == 1
    assert [p.name for p in multiprocessing.active_children()] == ["chibo-import-check"]
    source.close()
    assert multiprocessing.active_children() == []  # stopped and reaped
