// Ports: Time, throttles, one-time tokens, rate limits, idempotency, the outbox, locks, health. Types only.
import type { OneTimeTokenRecord, OutboxMessage, TokenPurpose } from "../domain";

export interface Clock {
  now(): number;
}

export interface Throttle {
  key: string;
  limit: number;
  windowSeconds: number;
}

export type ConsumeResult =
  | { status: "consumed"; record: OneTimeTokenRecord }
  | { status: "missing" }
  | { status: "throttled"; retryAfterSeconds: number };

export interface OneTimeTokenStore {
  /**
   * Stores the record until its expiry and revokes the subject's previous token of the same purpose;
   * with `limits`, first counts the request against them and issues only if none is over, atomically.
   */
  issue(record: OneTimeTokenRecord, limits?: RateLimitRule[]): Promise<RateLimitResult>;
  /** Reads without spending (confirm pages). */
  peek(purpose: TokenPurpose, tokenHash: string): Promise<OneTimeTokenRecord | null>;
  /** Atomically takes the record out; misses count against the throttle, which refuses once full. */
  consume(purpose: TokenPurpose, tokenHash: string, throttle: Throttle): Promise<ConsumeResult>;
  revoke(purpose: TokenPurpose, tokenHash: string): Promise<void>;
  /** Puts a consumed record back when its effect failed (unless a newer token replaced it meanwhile). */
  release(record: OneTimeTokenRecord): Promise<void>;
}

export interface RateLimitRule {
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit against every rule at once (fixed windows, atomic); refused if any rule is over. */
  hit(rules: RateLimitRule[]): Promise<RateLimitResult>;
  /** Reports whether any rule is already full, without counting (failure counters are checked this way). */
  peek(rules: RateLimitRule[]): Promise<RateLimitResult>;
  /** One step: deletes the `clear` counters and takes one hit back from each `giveBack` rule's counter. */
  settle(clear: string[], giveBack: RateLimitRule[]): Promise<void>;
  clear(keys: string[]): Promise<void>;
}

/** An Idempotency-Key claim that commits with the effect it guards; `response` is already sealed. */
export interface DurableClaim {
  recordKey: string;
  response: string;
  expiresAt: number;
}

/** What a create verb answers under a claim: its result, or the sealed response of the earlier run. */
export type Claimed<T> = { status: "created"; value: T } | { status: "replay"; response: string };

export interface IdempotencyStore {
  /** Claims the key with `pending`; returns the record already there instead, if any. */
  claim(key: string, pending: string, lockSeconds: number): Promise<string | null>;
  complete(key: string, record: string, ttlSeconds: number): Promise<void>;
  release(key: string): Promise<void>;
}

export interface OutboxStore {
  add(message: OutboxMessage): Promise<void>;
  list(): Promise<OutboxMessage[]>;
}

export interface HealthProbe {
  ping(): Promise<void>;
}

export interface EventLock {
  /** False when another delivery of the same event is being processed right now. */
  acquire(eventId: string): Promise<boolean>;
  release(eventId: string): Promise<void>;
}
