/**
 * Moves a live session to another organization, keeping its expiry. KEYS[1] the session; ARGV[1] the
 * organization id, ARGV[2] the whole record as JSON (for a session from before sessions were hashes).
 */
export const UPDATE_SESSION = `
local kind = redis.call('TYPE', KEYS[1])
if type(kind) == 'table' then kind = kind['ok'] end
if kind == 'hash' then
  redis.call('HSET', KEYS[1], 'organization_id', ARGV[1])
  return 1
end
if kind == 'string' then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL', 'XX')
  return 1
end
return 0
`;
