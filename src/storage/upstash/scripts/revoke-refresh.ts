/** KEYS[1] a refresh token; ARGV family-marker key prefix, marker ttl (s). Revokes its family if the token is known. */
export const REVOKE_REFRESH = `
local family = redis.call('HGET', KEYS[1], 'family')
if family then redis.call('SET', ARGV[1] .. family, '1', 'EX', ARGV[2]) end
return 1
`;
