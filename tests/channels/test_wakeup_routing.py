"""Which workers a pipeline notification wakes: only the queue its payload names."""

from __future__ import annotations

from bot.channels import wakeup
from bot.channels.runner import QueueRunner


class _Runner(QueueRunner):
    def __init__(self, name: str) -> None:
        self.name = name  # no event loop needed: only `wake`'s owner is looked at


def test_a_payload_naming_a_queue_wakes_only_that_queues_workers():
    inbox, outbox = _Runner("inbox"), _Runner("outbox")
    other = print  # a callback of no queue: woken by every notification
    wakes = [inbox.wake, outbox.wake, other]
    assert wakeup.to_wake(wakes, ["inbox"]) == [inbox.wake, other]
    assert wakeup.to_wake(wakes, ["outbox", "outbox"]) == [outbox.wake, other]
    assert wakeup.to_wake(wakes, ["inbox", "outbox"]) == wakes


def test_a_payload_that_names_no_queue_wakes_every_worker():
    inbox, outbox = _Runner("inbox"), _Runner("outbox")
    wakes = [inbox.wake, outbox.wake]
    assert wakeup.to_wake(wakes, [""]) == wakes  # writers that do not say which queue
    assert wakeup.to_wake(wakes, ["inbox", ""]) == wakes
    assert wakeup.queue_of(inbox.wake) == "inbox" and wakeup.queue_of(print) is None
