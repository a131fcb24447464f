// Ports: Paired devices and their revocation state. Types only.
import type { Device, UserSnapshot } from "../domain";

export interface DeviceRepository {
  /** Creates the device, or returns the same id's device again (a retried pairing); null if revoked since. */
  create(input: {
    id: string;
    userId: string | null;
    organizationId: string;
    platform: "ios" | "android";
    name: string;
    pushToken: string;
    peerId: string | null;
    apiKeyId: string | null;
    scopes: string[] | null;
    now: number;
  }): Promise<Device | null>;
  /** Devices of an organization, or only one user's there. */
  list(organizationId: string, userId: string | null): Promise<Device[]>;
  revoke(organizationId: string, deviceId: string, userId: string | null, now: number): Promise<Device | null>;
  touch(deviceId: string, now: number): Promise<void>;
  /** The source of truth for revocation: true only for a device that exists and is not revoked. */
  isActive(deviceId: string): Promise<boolean>;
}

export interface DeviceStateStore {
  /**
   * One round trip: whether the device is known active (true) or unknown to the cache (null; ask
   * Postgres, never assume), its user's not-before, and the user's snapshot.
   */
  state(
    deviceId: string,
    userId: string,
  ): Promise<{ active: boolean | null; notBefore: number; snapshot: UserSnapshot | null }>;
  /** Caches "active" for a short while after Postgres said so. */
  markActive(deviceId: string): Promise<void>;
  /** Drops the cached "active" (after the revocation is written to Postgres). */
  forget(deviceId: string): Promise<void>;
  shouldStampUse(deviceId: string): Promise<boolean>;
}
