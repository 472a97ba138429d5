"""Cart service: the code behind the checkout runbook (redis-py, cluster mode)."""
from redis.cluster import RedisCluster

rc = RedisCluster(host="redis-cluster", port=6379)


def cart_key(user_id):
    return f"{{user:{user_id}}}:cart"


def add_item(user_id, sku, qty):
    # Right: both commands touch one key under the `{user:<id>}` tag.
    with rc.pipeline(transaction=True) as p:
        p.hincrby(cart_key(user_id), sku, qty)
        p.expire(cart_key(user_id), 86400)
        p.execute()


def checkout(user_id, order_id):
    # Wrong: `{user_id}` is f-string syntax, not a hash tag; the keys spread.
    with rc.pipeline(transaction=True) as p:
        p.hgetall(f"cart:{user_id}")
        p.delete(f"cart:{user_id}")
        p.lpush(f"orders:{user_id}", order_id)
        p.execute()


def prices(skus):
    # Works, but not atomically: redis-py splits the MGET per slot.
    return rc.mget_nonatomic([f"price:{sku}" for sku in skus])
