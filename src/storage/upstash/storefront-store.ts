import type { CustomerSessionRecord, StorefrontStore, StoreKey } from "../../ports";
import type { RedisClient, RedisKeys } from "./client";
import { ISSUE_OTP, READ_AT_PRIMARY, RELEASE_OTP, SMS_GATE, VERIFY_OTP } from "./scripts";
import { luaScripts, parse, redis, TOMBSTONE_SECONDS, ttlSeconds } from "./stores";

const CACHE_SECONDS = 60;
const NONE = "none";
/** A revoked key's tombstone: refills are SET NX, so a stale one cannot land after it (stores.ts). */
const STALE = "stale";

export function createStorefrontStore(client: RedisClient, keys: RedisKeys): StorefrontStore {
  const run = luaScripts(client, { ISSUE_OTP, READ_AT_PRIMARY, RELEASE_OTP, SMS_GATE, VERIFY_OTP });
  return {
    async admitSms(input) {
      const reply = (await redis(() =>
        run.SMS_GATE(
          [keys.smsBreaker(input.prefix), keys.smsSent(input.prefix), keys.smsUsed(input.prefix), keys.smsSentAll()],
          [
            input.prefixLimit,
            input.globalLimit,
            input.breakerMinSends,
            input.breakerMinSuccessPercent,
            input.pauseSeconds,
            input.windowSeconds,
          ],
        ),
      )) as unknown[];
      const kind = String(reply[0]);
      if (kind === "ok") return { allowed: true, prefixCount: Number(reply[1]), globalCount: Number(reply[2]) };
      const reason = kind === "paused" || kind === "global" || kind === "opened" ? kind : "prefix";
      return { allowed: false, reason, retryAfterSeconds: Number(reply[1]) };
    },
    async smsUsed(prefix, windowSeconds) {
      const tx = client.multi();
      tx.incr(keys.smsUsed(prefix));
      tx.expire(keys.smsUsed(prefix), windowSeconds, "NX");
      await redis(() => tx.exec());
    },
    async getKey(keyId) {
      const cached = await redis(() => client.get<string>(keys.storeKey(keyId)));
      if (cached === null || cached === STALE) return undefined;
      return cached === NONE ? null : (parse<StoreKey>(cached) ?? undefined);
    },
    async putKey(keyId, key) {
      await redis(() =>
        client.set(keys.storeKey(keyId), key === null ? NONE : JSON.stringify(key), { ex: CACHE_SECONDS, nx: true }),
      );
    },
    async forgetKey(keyId) {
      await redis(() => client.set(keys.storeKey(keyId), STALE, { ex: TOMBSTONE_SECONDS }));
    },
    async getOrigin(origin) {
      const cached = await redis(() => client.get<string>(keys.corsOrigin(origin)));
      return cached === null ? undefined : cached === "1";
    },
    async putOrigin(origin, allowed) {
      await redis(() => client.set(keys.corsOrigin(origin), allowed ? "1" : "0", { ex: CACHE_SECONDS }));
    },
    async issueOtp(input) {
      const reply = (await redis(() =>
        run.ISSUE_OTP(
          [keys.otp(input.otpKey), keys.otpCooldown(input.cooldownKey)],
          [input.codeHash, input.expiresAt, input.ttlSeconds, input.cooldownSeconds],
        ),
      )) as number[];
      return Number(reply[0]) === 1 ? { issued: true } : { issued: false, retryAfterSeconds: Number(reply[1]) };
    },
    async verifyOtp(input) {
      const reply = (await redis(() =>
        run.VERIFY_OTP(
          [keys.otp(input.otpKey), keys.rateLimit(input.failureKey), keys.rateLimit(input.ipFailureKey)],
          [input.codeHash, input.now, input.maxAttempts, input.lockThreshold, input.lockSeconds, input.ipLockThreshold],
        ),
      )) as number[];
      const code = Number(reply[0]);
      if (code === 1) return { status: "ok", expiresAt: Number(reply[1]) };
      if (code === 3) return { status: "locked", retryAfterSeconds: Number(reply[1]) };
      return { status: "invalid" };
    },
    async releaseOtp(otpKey, codeHash, expiresAt, now) {
      if (expiresAt <= now) return;
      await redis(() => run.RELEASE_OTP([keys.otp(otpKey)], [codeHash, expiresAt, ttlSeconds(expiresAt - now)]));
    },
    async discardOtp(otpKey, cooldownKey) {
      await redis(() => client.del(keys.otp(otpKey), keys.otpCooldown(cooldownKey)));
    },
    async createSession(tokenHash, record) {
      await redis(() =>
        client.set(keys.customerSession(tokenHash), JSON.stringify(record), {
          ex: ttlSeconds(record.expires_at - record.created_at),
        }),
      );
    },
    async getSession(tokenHash) {
      const key = keys.customerSession(tokenHash);
      // Read at the nearest replica; a miss may be a session created a moment ago in another region
      // (storefronts sign in at one edge and call from another), so it is asked at the primary before
      // it counts as none. Costs a second round trip only for an unknown or just-created session.
      const near = await redis(() => client.get(key));
      if (near !== null) return parse<CustomerSessionRecord>(near);
      return parse<CustomerSessionRecord>(await redis(() => run.READ_AT_PRIMARY([key], [])));
    },
    async revokeSession(tokenHash) {
      await redis(() => client.del(keys.customerSession(tokenHash)));
    },
  };
}
