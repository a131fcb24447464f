/** Puts a spent OTP back after its effect failed: KEYS[1] otp hash; ARGV code hash, expires_at, ttl. Never over a newer code. */
export const RELEASE_OTP = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'code', ARGV[1], 'expires_at', ARGV[2], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;
