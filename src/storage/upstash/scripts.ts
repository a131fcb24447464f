// Lua for steps that must be atomic across isolates. They avoid cjson and error_reply so the
// in-process engine of the local stack runs them too.

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

/** KEYS[1] token key, KEYS[2] the subject's latest-token pointer; ARGV record, ttl. Revokes the previous token. */
export const ISSUE_TOKEN = `
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= KEYS[1] then redis.call('DEL', previous) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], KEYS[1], 'EX', ARGV[2])
return 1
`;

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

/** KEYS[1]; ARGV pending record, lock seconds. Returns the existing record, or nil after claiming. */
export const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;

/**
 * Sliding session expiry in one round trip. KEYS[1] session. The idle window is read from the record
 * we wrote (`"idle_seconds":N`), so remembered sessions keep their longer window.
 */
export const TOUCH_SESSION = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local idle = tonumber(string.match(value, '"idle_seconds":(%d+)'))
if idle then redis.call('EXPIRE', KEYS[1], idle) end
return value
`;
