/**
 * After an attempt counted up front turned out fine: deletes the first ARGV[1] counters (KEYS) and gives
 * one hit back to each of the others that has one.
 */
export const SETTLE = `
local cleared = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if i <= cleared then
    redis.call('DEL', key)
  elseif tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 1
`;
