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
