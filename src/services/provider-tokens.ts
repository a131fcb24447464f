import { open, seal } from "../crypto/aead";
import { decodeBase64Url } from "../crypto/encoding";
import { hmacSha256 } from "../crypto/hash";
import { AuthError } from "../errors";
import type { ProviderTokens } from "../oauth/types";
import type { ServiceContext } from "./context";

/**
 * Kept provider tokens (OAUTH_<NAME>_KEEP_TOKENS) are sealed with AES-256-GCM under a key derived from
 * AUTH_SECRET and the identity (provider + subject): the database never holds them readable, and a box
 * copied onto another identity's row does not open.
 */
async function boxKey(ctx: ServiceContext, provider: string, subject: string): Promise<Uint8Array> {
  const mac = await hmacSha256(ctx.deps.keys.providerTokens, `provider-tokens\n${provider}\n${subject}`);
  return decodeBase64Url(mac) as Uint8Array;
}

export async function sealProviderTokens(
  ctx: ServiceContext,
  identity: { provider: string; subject: string },
  tokens: ProviderTokens,
): Promise<string> {
  return seal(await boxKey(ctx, identity.provider, identity.subject), JSON.stringify(tokens));
}

/** The signed-in user's own kept tokens for one of their identities; 404 when none are kept. */
export async function providerTokens(ctx: ServiceContext, userId: string, identityId: string): Promise<ProviderTokens> {
  const row = await ctx.deps.identities.sealedTokens(userId, identityId);
  const text = row && (await open(await boxKey(ctx, row.provider, row.subject), row.sealed));
  if (!text) throw new AuthError("not_found", { message: "No provider tokens are kept for this identity." });
  return JSON.parse(text) as ProviderTokens;
}
