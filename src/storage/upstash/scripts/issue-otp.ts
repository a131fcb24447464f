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
