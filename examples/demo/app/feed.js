// Profile feed: ioredis in cluster mode.
const Redis = require('ioredis');

const cluster = new Redis.Cluster([{ host: 'redis-cluster', port: 6379 }]);

// Wrong: an ioredis Cluster pipeline must stay on one node, and these
// profiles spread over every slot.
async function warmProfiles(userIds) {
  const p = cluster.pipeline();
  for (const id of userIds) p.hgetall(`user:${id}:profile`);
  return p.exec();
}

// Right: one user's keys share the `{user:<id>}` tag.
async function profileAndCart(id) {
  return cluster.pipeline().hgetall(`{user:${id}}:profile`).hgetall(`{user:${id}}:cart`).exec();
}

module.exports = { warmProfiles, profileAndCart };
