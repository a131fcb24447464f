/**
 * Undoes a rotation whose answer never left (the refresh failed after it, on an outage): KEYS[1] the
 * presented token, KEYS[2] its successor. Only while the successor is unused (still active, never
 * rotated itself), so a successor a client already holds and used is never taken back.
 */
export const UNROTATE_REFRESH = `
if redis.call('HGET', KEYS[1], 'status') ~= 'rotated' then return 0 end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'active')
redis.call('HDEL', KEYS[1], 'successor_box', 'rotated_at')
redis.call('DEL', KEYS[2])
return 1
`;
