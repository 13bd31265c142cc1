"""The progress protocol say(message, done, total), and callbacks written for the one-argument protocol."""

from __future__ import annotations

from scandia.runner import adapt_progress


def test_one_argument_callbacks_still_work_and_full_ones_get_the_counts():
    seen: list = []
    adapt_progress(lambda msg: seen.append(msg))("a", 1, 4)  # the earlier protocol: the message only
    adapt_progress(lambda msg, done=None, total=None: seen.append((msg, done, total)))("b", 2, 4)
    adapt_progress(lambda *a: seen.append(a))("c", 3, 4)
    adapt_progress(None)("ignored", 0, 1)
    assert seen == ["a", ("b", 2, 4), ("c", 3, 4)]
