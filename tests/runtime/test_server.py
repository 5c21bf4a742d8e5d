"""`collectbot run`'s serving process: what it does once the model is loaded."""

from __future__ import annotations

import gc

from bot.runtime import server


async def test_the_loaded_model_is_frozen_out_of_the_garbage_collector():
    """Objects alive after the agent loaded are never walked by a collection again (a full
    collection over a loaded model is a pause every request in flight waits for)."""
    gc.unfreeze()
    loaded = [object() for _ in range(1000)]  # stands in for the agent's objects
    try:
        await server._freeze_loaded_objects(None, None)
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(obj is loaded for obj in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
