/**
 * KEYS[1] token key, KEYS[2] failure counter; ARGV limit, window.
 * Returns {1, record} consumed, {0} missing (counted), {2, retry_after} throttled (nothing spent).
 */
export const CONSUME_TOKEN = `
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures >= tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[2])
  if ttl < 1 then ttl = tonumber(ARGV[2]) end
  return {2, ttl}
end
local value = redis.call('GETDEL', KEYS[1])
if value then return {1, value} end
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return {0}
`;
