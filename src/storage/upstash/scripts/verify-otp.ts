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
