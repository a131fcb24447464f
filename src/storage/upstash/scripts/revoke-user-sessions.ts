/** KEYS[1] the user's session index; ARGV session key prefix, session hash to keep ('' for none). Returns how many ended. */
export const REVOKE_USER_SESSIONS = `
local entries = redis.call('HGETALL', KEYS[1])
local count = 0
for i = 1, #entries, 2 do
  local hash = entries[i + 1]
  if hash ~= ARGV[2] then
    count = count + redis.call('DEL', ARGV[1] .. hash)
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return count
`;
