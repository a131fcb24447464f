/**
 * Counts a request against its limits and, if none is over, issues the token, in one step (one round
 * trip before the email is sent). KEYS[1] token key, KEYS[2] the subject's latest-token pointer,
 * KEYS[3..] fixed-window counters; ARGV record, ttl, then limit/window pairs per counter.
 * Returns {1} issued (the previous token revoked) or {0, retry_after} refused (nothing issued).
 */
export const ISSUE_TOKEN_LIMITED = `
local blocked = 0
local retry = 0
for i = 3, #KEYS do
  local limit = tonumber(ARGV[(i - 2) * 2 + 1])
  local window = tonumber(ARGV[(i - 2) * 2 + 2])
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('EXPIRE', KEYS[i], window) end
  if count > limit then
    blocked = 1
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = window end
    if ttl > retry then retry = ttl end
  end
end
if blocked == 1 then return {0, retry} end
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= KEYS[1] then redis.call('DEL', previous) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], KEYS[1], 'EX', ARGV[2])
return {1, 0}
`;
