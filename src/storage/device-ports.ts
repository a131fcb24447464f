// Ports of mobile devices paired to a user or an organization.
import type { UserSnapshot } from "./ports";

export interface Device {
  id: string;
  user_id: string | null;
  organization_id: string;
  platform: "ios" | "android";
  name: string;
  peer_id: string | null;
  created_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
}

export interface DeviceRepository {
  create(input: { id: string; userId: string | null; organizationId: string; platform: "ios" | "android"; name: string; pushToken: string; peerId: string | null; apiKeyId: string | null; scopes: string[] | null; now: number }): Promise<Device>;
  /** Devices of an organization, or only one user's there. */
  list(organizationId: string, userId: string | null): Promise<Device[]>;
  revoke(organizationId: string, deviceId: string, userId: string | null, now: number): Promise<Device | null>;
  touch(deviceId: string, now: number): Promise<void>;
}

export interface DeviceStateStore {
  /** One round trip: whether the device is revoked, its user's not-before, and the user's snapshot. */
  state(deviceId: string, userId: string): Promise<{ revoked: boolean; notBefore: number; snapshot: UserSnapshot | null }>;
  markRevoked(deviceId: string, ttlSeconds: number): Promise<void>;
  shouldStampUse(deviceId: string): Promise<boolean>;
}
