import type { SessionRecord } from "../storage/ports";

export interface Identity {
  kind: "session" | "access_token" | "api_key" | "device" | "customer";
  user_id: string | null;
  organization_id: string;
  plan_tier: string;
  scopes: string[];
  credential_id: string;
}

const ROLE_SCOPES = {
  owner: ["read", "write", "admin"],
  admin: ["read", "write", "admin"],
  member: ["read", "write"],
} as const;

export function identityFromSession(record: SessionRecord): Identity {
  return {
    kind: "session",
    user_id: record.user_id,
    organization_id: record.organization_id,
    plan_tier: record.organization.plan_tier,
    scopes: [...ROLE_SCOPES[record.organization.role]],
    credential_id: record.id,
  };
}
