/** Fixed-window counters. KEYS: counters; ARGV: limit, window pairs. Returns {blocked, retry_after}. */
export const RATE_LIMIT = `
local blocked = 0
local retry = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i * 2 - 1])
  local window = tonumber(ARGV[i * 2])
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, window) end
  if count > limit then
    blocked = 1
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = window end
    if ttl > retry then retry = ttl end
  end
end
return {blocked, retry}
`;
