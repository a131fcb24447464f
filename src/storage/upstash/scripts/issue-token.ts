/** KEYS[1] token key, KEYS[2] the subject's latest-token pointer; ARGV record, ttl. Revokes the previous token. */
export const ISSUE_TOKEN = `
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= KEYS[1] then redis.call('DEL', previous) end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], KEYS[1], 'EX', ARGV[2])
return 1
`;
