/**
 * The SMS budget and circuit breaker in one step (toll fraud: bots texting premium-rate numbers).
 * KEYS: the prefix's breaker, the prefix's texts this window, the prefix's codes used this window, the
 * deployment's texts this window. ARGV: prefix limit, global limit, breaker minimum sends, breaker
 * minimum success percent, pause seconds, window seconds. A refused text consumes nothing.
 * Returns {'ok', prefix count, global count}, {'paused'|'global'|'prefix', retry seconds}, or
 * {'opened', pause seconds} when this request tripped the breaker.
 */
export const SMS_GATE = `
local window = tonumber(ARGV[6])
local function left(key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then return window end
  return ttl
end
local paused = redis.call('TTL', KEYS[1])
if paused > 0 then return {'paused', paused} end
local sent_all = tonumber(redis.call('GET', KEYS[4]) or '0')
if sent_all >= tonumber(ARGV[2]) then return {'global', left(KEYS[4])} end
local sent = tonumber(redis.call('GET', KEYS[2]) or '0')
if sent >= tonumber(ARGV[1]) then return {'prefix', left(KEYS[2])} end
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
if sent >= tonumber(ARGV[3]) and used * 100 < sent * tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[5]))
  return {'opened', tonumber(ARGV[5])}
end
sent_all = redis.call('INCR', KEYS[4])
if sent_all == 1 then redis.call('EXPIRE', KEYS[4], window) end
sent = redis.call('INCR', KEYS[2])
if sent == 1 then redis.call('EXPIRE', KEYS[2], window) end
return {'ok', sent, sent_all}
`;
