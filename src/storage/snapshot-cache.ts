import type { OrganizationRepository, UserRepository, UserSnapshot, UserStateStore } from "../ports";

// The user snapshot in Redis (what sessions and tokens resolve against without SQL) is a cache of
// Postgres. Keeping it in step is this wrapper's job, not the services': every statement that
// changes a user or their memberships and reads the user back also refreshes the cached copy.
// Sign-ins are the exception: they write the snapshot together with the new session, in one round trip.

async function cache(userState: UserStateStore, snapshot: UserSnapshot | null): Promise<UserSnapshot | null> {
  if (snapshot) await userState.putSnapshot(snapshot.user.id, snapshot);
  return snapshot;
}

export function withSnapshotCache(users: UserRepository, userState: UserStateStore): UserRepository {
  return {
    ...users,
    findSnapshot: async (userId) => cache(userState, await users.findSnapshot(userId)),
    revokeTokensBefore: async (userId, at) => cache(userState, await users.revokeTokensBefore(userId, at)),
    markEmailVerified: async (userId, email, now) =>
      cache(userState, await users.markEmailVerified(userId, email, now)),
    changeEmail: async (userId, from, to, now) => cache(userState, await users.changeEmail(userId, from, to, now)),
    setPassword: async (userId, email, hash, now, verify) =>
      cache(userState, await users.setPassword(userId, email, hash, now, verify)),
    updateProfile: async (userId, changes, now) => cache(userState, await users.updateProfile(userId, changes, now)),
  };
}

export function withOrganizationSnapshotCache(
  organizations: OrganizationRepository,
  userState: UserStateStore,
): OrganizationRepository {
  return {
    ...organizations,
    async createOrganization(input) {
      const result = await organizations.createOrganization(input);
      if (result.status === "created") await cache(userState, result.value);
      return result;
    },
  };
}
