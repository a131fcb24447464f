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

/**
 * After an attempt counted up front turned out fine: deletes the first ARGV[1] counters (KEYS) and gives
 * one hit back to each of the others that has one.
 */
export const SETTLE = `
local cleared = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i <= cleared then
    redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 1
`;

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

/**
 * Puts a spent token back after its effect failed (a store outage): KEYS[1] token key, KEYS[2] the
 * subject's latest-token pointer; ARGV record, ttl. Only while it is still the subject's latest token
 * and nobody has put it back already, so a newer link is never undone.
 */
export const RELEASE_TOKEN = `
if redis.call('GET', KEYS[2]) ~= KEYS[1] then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`;

/** Puts a spent OTP back after its effect failed: KEYS[1] otp hash; ARGV code hash, expires_at, ttl. Never over a newer code. */
export const RELEASE_OTP = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'expires_at', ARGV[2], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS[1]; ARGV pending record, lock seconds. Returns the existing record, or nil after claiming. */
export const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;

/**
 * Sliding session expiry plus the user's snapshot, in one round trip. KEYS[1] session; ARGV[1] key prefix.
 * The idle window and user id are read from the record we wrote (`"idle_seconds":N`, `"user_id":"…"`),
 * so remembered sessions keep their longer window. Returns {record, snapshot or ''}.
 */
export const TOUCH_SESSION = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local idle = tonumber(string.match(value, '"idle_seconds":(%d+)'))
if idle then redis.call('EXPIRE', KEYS[1], idle) end
local user = string.match(value, '"user_id":"([%w_]+)"')
local snapshot = ''
if user then snapshot = redis.call('GET', ARGV[1] .. 'user_snap:' .. user) or '' end
return {value, snapshot}
`;

/** KEYS[1] the user's session index; ARGV prefix, session hash to keep ('' for none). Returns how many ended. */
export const REVOKE_USER_SESSIONS = `
local entries = redis.call('HGETALL', KEYS[1])
local count = 0
for i = 1, #entries, 2 do
  local hash = entries[i + 1]
  if hash ~= ARGV[2] then
    count = count + redis.call('DEL', ARGV[1] .. 'ses:' .. hash)
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return count
`;

/**
 * Refresh-token rotation, atomic. KEYS[1] presented token, KEYS[2] successor.
 * ARGV: prefix, now (ms), grace (ms), sealed successor, revoked-marker ttl (s).
 * Returns {1, fields…, snapshot} rotated; {3, fields…, snapshot, box} same token again within the grace
 * window; {2, family, user} reuse after the window (family revoked now); {0} invalid.
 */
export const ROTATE_REFRESH = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {0} end
local family = redis.call('HGET', KEYS[1], 'family')
local user = redis.call('HGET', KEYS[1], 'user_id')
local org = redis.call('HGET', KEYS[1], 'org_id')
local scope = redis.call('HGET', KEYS[1], 'scope')
local created = tonumber(redis.call('HGET', KEYS[1], 'family_created'))
local absolute = tonumber(redis.call('HGET', KEYS[1], 'absolute_exp'))
local now = tonumber(ARGV[2])
if redis.call('EXISTS', ARGV[1] .. 'rt_fam_revoked:' .. family) == 1 then return {0} end
local notBefore = tonumber(redis.call('GET', ARGV[1] .. 'user_nbf:' .. user) or '0')
if created < notBefore or now >= absolute then return {0} end
local snapshot = redis.call('GET', ARGV[1] .. 'user_snap:' .. user) or ''
if status == 'active' then
  redis.call('HSET', KEYS[1], 'status', 'rotated', 'successor_box', ARGV[4], 'rotated_at', ARGV[2])
  redis.call('HSET', KEYS[2], 'family', family, 'user_id', user, 'org_id', org, 'scope', scope,
    'family_created', created, 'absolute_exp', absolute, 'status', 'active')
  redis.call('EXPIRE', KEYS[2], math.ceil((absolute - now) / 1000))
  return {1, family, user, org, scope, tostring(created), tostring(absolute), snapshot}
end
if status == 'rotated' then
  local rotated = tonumber(redis.call('HGET', KEYS[1], 'rotated_at'))
  if now - rotated <= tonumber(ARGV[3]) then
    return {3, family, user, org, scope, tostring(created), tostring(absolute), snapshot, redis.call('HGET', KEYS[1], 'successor_box')}
  end
  redis.call('SET', ARGV[1] .. 'rt_fam_revoked:' .. family, '1', 'EX', ARGV[5])
  return {2, family, user}
end
return {0}
`;

/** KEYS[1] a refresh token; ARGV prefix, marker ttl (s). Revokes its family if the token is known. */
export const REVOKE_REFRESH = `
local family = redis.call('HGET', KEYS[1], 'family')
if family then redis.call('SET', ARGV[1] .. 'rt_fam_revoked:' .. family, '1', 'EX', ARGV[2]) end
return 1
`;

/**
 * KEYS[1] the contact's code (hash), KEYS[2] its resend cooldown; ARGV code hash, expires_at (ms),
 * ttl (s), cooldown (s). Replaces the previous code unless the cooldown runs. Returns {1} or {0, retry}.
 */
export const ISSUE_OTP = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
  local ttl = redis.call('TTL', KEYS[2])
  if ttl < 1 then ttl = tonumber(ARGV[4]) end
  return {0, ttl}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'expires_at', ARGV[2], 'attempts', '0')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1}
`;

/**
 * KEYS[1] the contact's code, KEYS[2] the contact's failure counter (not reset by resends), KEYS[3]
 * the client IP's failure counter (against spraying many contacts); ARGV code hash, now (ms), max tries
 * per code, contact lock threshold, lock window (s), IP lock threshold.
 * Returns {1} ok (code spent, counter cleared), {2} wrong (code burned at max tries), {0} none or
 * expired, {3, retry} contact locked.
 */
export const VERIFY_OTP = `
for i = 2, 3 do
  local failures = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[4])
  if i == 3 then limit = tonumber(ARGV[6]) end
  if failures >= limit then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = tonumber(ARGV[5]) end
    return {3, ttl}
  end
end
local code = redis.call('HGET', KEYS[1], 'code')
if not code then return {0} end
if tonumber(redis.call('HGET', KEYS[1], 'expires_at')) <= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {0}
end
if code == ARGV[1] then
  local expires = redis.call('HGET', KEYS[1], 'expires_at')
  redis.call('DEL', KEYS[1], KEYS[2])
  return {1, expires}
end
local tries = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
for i = 2, 3 do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], ARGV[5]) end
end
if tries >= tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) end
return {2}
`;
