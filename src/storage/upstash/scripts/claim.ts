/** KEYS[1]; ARGV pending record, lock seconds. Returns the existing record, or nil after claiming. */
export const CLAIM = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false
`;
