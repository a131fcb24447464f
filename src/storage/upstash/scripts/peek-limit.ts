/** Like RATE_LIMIT but counts nothing: is any counter already at its limit? Returns {blocked, retry_after}. */
export const PEEK_LIMIT = `
local blocked = 0
local retry = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i * 2 - 1]) then
    blocked = 1
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = tonumber(ARGV[i * 2]) end
    if ttl > retry then retry = ttl end
  end
end
return {blocked, retry}
`;
