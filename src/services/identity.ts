import type { SessionOrganization, SessionRecord, UserSnapshot } from "../ports";
import { scopesForRole } from "./policy";

export interface Identity {
  kind: "session" | "access_token" | "api_key" | "device" | "customer";
  user_id: string | null;
  organization_id: string;
  plan_tier: string;
  scopes: string[];
  credential_id: string;
}

export { scopesForRole } from "./policy";

export function identityFromSession(
  record: SessionRecord,
  organization: SessionOrganization,
  vocabulary: readonly string[],
): Identity {
  return {
    kind: "session",
    user_id: record.user_id,
    organization_id: organization.id,
    plan_tier: organization.plan_tier,
    scopes: scopesForRole(organization.role, vocabulary),
    credential_id: record.id,
  };
}

/** The membership a credential acts in; null when the user has left that organization. */
export function organizationIn(snapshot: UserSnapshot, organizationId: string): SessionOrganization | null {
  return snapshot.organizations.find((o) => o.id === organizationId) ?? null;
}
