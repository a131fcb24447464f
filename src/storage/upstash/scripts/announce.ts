/** Entries kept in the event stream at most (approximate trim): a consumer that is down for long loses the oldest. */
export const EVENT_STREAM_MAXLEN = 100_000;

/**
 * A Lua fragment that announces session.revoked on the event stream, inside the script that ends the
 * session: the announcement and the change are one atomic step (the Redis half of the outbox; the
 * consumer moves entries into Postgres's). Arguments are Lua expressions; an empty stream skips it.
 */
export function announceRevoked(id: string, user: string, org: string, reason: string, stream: string): string {
  return `if ${stream} and ${stream} ~= '' and ${id} ~= '' then
    redis.call('XADD', ${stream}, 'MAXLEN', '~', '${EVENT_STREAM_MAXLEN}', '*', 'type', 'session.revoked',
      'session_id', ${id}, 'user_id', ${user}, 'organization_id', ${org}, 'reason', ${reason})
  end`;
}
