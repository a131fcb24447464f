/**
 * A plain GET, as a script: a global Upstash database runs scripts at its primary region, while a GET
 * may be answered by a read replica that has not applied a write yet. For reads that must see a write
 * made a moment ago in another region (a session just created there), after the replica said "none".
 * KEYS[1] the key. Returns its value or nil.
 */
export const READ_AT_PRIMARY = `return redis.call('GET', KEYS[1])`;
