-- Reserve `ARGV[1]` units of each SKU in KEYS; log the reservation.
local qty = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local left = tonumber(redis.call('GET', key) or '0')
  if left < qty then
    return redis.error_reply('out of stock: ' .. key)
  end
end
for _, key in ipairs(KEYS) do
  redis.call('DECRBY', key, qty)
end
redis.call('LPUSH', 'audit:reservations', ARGV[2])
return 1
