// Ports: API keys: records, verification and the verification cache. Types only.
import type { ApiKeyRecord, Role, SessionOrganization, SessionUser } from "../domain";
import type { Claimed, DurableClaim } from "./basics";

/** What authenticating a key needs, cached in Redis briefly; times in ms. */
export interface ApiKeyAuthRecord {
  id: string;
  created_by: string | null;
  secret_hash: string;
  previous_secret_hash: string | null;
  previous_expires_at: number | null;
  expires_at: number | null;
  revoked: boolean;
  scopes: string[];
  /** The creator's current role in the key's organization (null: no longer a member, or disabled). */
  creator_role: Role | null;
  /** The creator's account (null when gone or disabled): /me answers it, platform scope needs it. */
  creator?: SessionUser | null;
  organization: Omit<SessionOrganization, "role">;
}

export interface ApiKeyRepository {
  createKey(input: {
    id: string;
    organizationId: string;
    createdBy: string | null;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: string[];
    expiresAt: string | null;
    now: number;
    claim: DurableClaim | null;
  }): Promise<Claimed<ApiKeyRecord>>;
  listKeys(organizationId: string): Promise<ApiKeyRecord[]>;
  findForAuth(keyId: string): Promise<ApiKeyAuthRecord | null>;
  revokeKey(organizationId: string, keyId: string, now: number): Promise<ApiKeyRecord | null>;
  rotateKey(
    organizationId: string,
    keyId: string,
    secretHash: string,
    graceSeconds: number,
    now: number,
  ): Promise<ApiKeyRecord | null>;
  touchLastUsed(keyId: string, now: number): Promise<void>;
}

export interface ApiKeyCache {
  /**
   * One round trip: the cached auth record (undefined when not cached, null when cached as unknown)
   * and the current count of the given failure counter (a rate-limit key).
   */
  lookup(keyId: string, failureKey: string): Promise<{ entry: ApiKeyAuthRecord | null | undefined; failures: number }>;
  put(keyId: string, record: ApiKeyAuthRecord | null): Promise<void>;
  forget(keyIds: string[]): Promise<void>;
  /** True at most once a minute per key: whether to write last_used_at now. */
  shouldStampUse(keyId: string): Promise<boolean>;
}
