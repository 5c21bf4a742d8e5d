"""jieba's dictionary cache read in one piece (issue 13 item 10: start-up and batch CPU).

jieba reads its prefix-dictionary cache (~9 MB) with `marshal.load` on the open file,
which CPython serves by many small reads: about 0.55 s of CPU, against about 0.15 s for
`marshal.loads` of the file's bytes, which builds the same objects. Every process that
checks a Chinese text builds the phrase filter's private jieba tokenizer once
(phrases._JiebaSegmenter), so the difference is paid by the first Chinese check of every
process: the CLI's single text, a batch's parent before it forks, a worker of the server.
"""

from __future__ import annotations

import marshal
import types
from contextlib import contextmanager
from typing import Any, Iterator


def _load_at_once(file: Any) -> Any:
    """`marshal.load(file)`, from one read of the rest of the file."""
    return marshal.loads(file.read())


@contextmanager
def cache_read_at_once(jieba: Any) -> Iterator[None]:
    """While the block runs, `jieba`'s module name `marshal` is a reader whose `load` is
    `_load_at_once` (`loads`, `dump` and `dumps` are marshal's own), then the module is put
    back. A jieba whose `marshal` is not the standard module (another version, or a patch
    already in place) is left as it is."""
    original = getattr(jieba, "marshal", None)
    if original is not marshal:
        yield
        return
    jieba.marshal = types.SimpleNamespace(
        load=_load_at_once, loads=marshal.loads, dump=marshal.dump, dumps=marshal.dumps)
    try:
        yield
    finally:
        jieba.marshal = original
