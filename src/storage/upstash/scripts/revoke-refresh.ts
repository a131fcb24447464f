/**
 * KEYS[1] a refresh token; ARGV family-marker key prefix, marker ttl (s). Revokes its family if the
 * token is known and returns the family ('' when unknown).
 */
export const REVOKE_REFRESH = `
local family = redis.call('HGET', KEYS[1], 'family')
if not family then return '' end
redis.call('SET', ARGV[1] .. family, '1', 'EX', ARGV[2])
return family
`;
