"""The Redis cache shares one redis-py client per pool (config/cache.py), on a real Redis."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from config.cache import SharedClientRedisCache
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.redis


@pytest.fixture
def shared_cache():
    cache = SharedClientRedisCache(TEST_REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    yield cache
    cache.delete("flag")  # not clear(): that empties the whole Redis database


def test_cache_operations_go_through_one_client(shared_cache):
    assert shared_cache.add("flag", 1, timeout=60)
    assert not shared_cache.add("flag", 2, timeout=60)
    assert shared_cache.get("flag") == 1
    shared_cache.delete("flag")
    assert shared_cache.get("flag") is None

    client = shared_cache._cache.get_client(write=True)
    assert shared_cache._cache.get_client(write=False) is client


def test_threads_sharing_the_client_raise_a_flag_once(shared_cache):
    # As gthread workers do with the mail sender's flag (accounts.outbox.wake_sender).
    with ThreadPoolExecutor(max_workers=16) as pool:
        raised = list(pool.map(lambda _: shared_cache.add("flag", True, timeout=60), range(64)))

    assert raised.count(True) == 1
