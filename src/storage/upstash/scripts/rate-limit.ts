/**
 * Fixed-window counting, shared by the scripts that rate-limit: KEYS[firstKey..] are counters, each
 * with a limit and window pair in ARGV starting at firstArg. Leaves `blocked` (0/1) and `retry` (the
 * longest wait of an exceeded counter) for the rest of the script.
 */
export const countWindows = (firstKey: number, firstArg: number): string => `
local blocked = 0
local retry = 0
for i = ${firstKey}, #KEYS do
  local limit = tonumber(ARGV[${firstArg} + (i - ${firstKey}) * 2])
  local window = tonumber(ARGV[${firstArg} + (i - ${firstKey}) * 2 + 1])
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], window) end
  if count > limit then
    blocked = 1
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = window end
    if ttl > retry then retry = ttl end
  end
end`;

/** Fixed-window counters. KEYS: counters; ARGV: limit, window pairs. Returns {blocked, retry_after}. */
export const RATE_LIMIT = `${countWindows(1, 1)}
return {blocked, retry}
`;
