/**
 * Refresh-token rotation, atomic. KEYS[1] presented token, KEYS[2] successor.
 * ARGV: now (ms), grace (ms), sealed successor, revoked-marker ttl (s), then the key prefixes of
 * family markers, not-befores and snapshots.
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
local now = tonumber(ARGV[1])
if redis.call('EXISTS', ARGV[5] .. family) == 1 then return {0} end
local notBefore = tonumber(redis.call('GET', ARGV[6] .. user) or '0')
if created < notBefore or now >= absolute then return {0} end
local snapshot = redis.call('GET', ARGV[7] .. user) or ''
if status == 'active' then
  redis.call('HSET', KEYS[1], 'status', 'rotated', 'successor_box', ARGV[3], 'rotated_at', ARGV[1])
  redis.call('HSET', KEYS[2], 'family', family, 'user_id', user, 'org_id', org, 'scope', scope,
    'family_created', created, 'absolute_exp', absolute, 'status', 'active')
  redis.call('EXPIRE', KEYS[2], math.ceil((absolute - now) / 1000))
  return {1, family, user, org, scope, tostring(created), tostring(absolute), snapshot}
end
if status == 'rotated' then
  local rotated = tonumber(redis.call('HGET', KEYS[1], 'rotated_at'))
  if now - rotated <= tonumber(ARGV[2]) then
    return {3, family, user, org, scope, tostring(created), tostring(absolute), snapshot, redis.call('HGET', KEYS[1], 'successor_box')}
  end
  redis.call('SET', ARGV[5] .. family, '1', 'EX', ARGV[4])
  return {2, family, user}
end
return {0}
`;
