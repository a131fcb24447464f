import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { envelope, listEnvelope } from "../http";
import { requireUser, signedInUser } from "../middleware/require";
import { invalidInvitationPage, invitationPage, joinedPage } from "../pages/invitation";
import {
  acceptInvitation,
  acceptInvitationByToken,
  declineInvitation,
  listMyInvitations,
  peekInvitation,
} from "../services/invitations";
import { isChallenge } from "../services/step-up";
import { createRoute } from "./declare";
import { InvitationId } from "./organizations";
import { CsrfHeader, Organization, orChallenge, User } from "./schemas";
import { jsonOrForm, Remember, readJsonOrForm, signInWithToken, tokenPageRoute } from "./token-pages";
import { validationHook } from "./validation";

// The invitee's side: answer invitations while signed in with the invited address proven, or
// through the emailed link, which proves the address, signs in and accepts in one step.

const TAG = "Invitations";
const MyInvitation = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    organization_name: z.string(),
    email: z.string(),
    role: z.enum(["owner", "admin", "member"]),
    expires_at: z.string(),
  })
  .openapi("MyInvitation");

const mineRoute = createRoute({
  method: "get",
  path: "/v1/auth/invitations",
  tags: [TAG],
  summary: "Open invitations to your (verified) address",
  middleware: [requireUser] as const,
  errors: ["forbidden", "email_not_verified"],
  responses: {
    200: { description: "Invitations", content: { "application/json": { schema: listEnvelope(MyInvitation) } } },
  },
});

const acceptRoute = createRoute({
  method: "post",
  path: "/v1/auth/invitations/{id}/accept",
  tags: [TAG],
  summary: "Accept an invitation to your verified address (you become a member)",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, params: z.object({ id: InvitationId }) },
  errors: ["forbidden", "email_not_verified", "conflict"],
  responses: {
    200: { description: "Joined", content: { "application/json": { schema: envelope(Organization) } } },
  },
});

const declineRoute = createRoute({
  method: "post",
  path: "/v1/auth/invitations/{id}/decline",
  tags: [TAG],
  summary: "Decline an invitation to your verified address",
  middleware: [requireUser] as const,
  request: { headers: CsrfHeader, params: z.object({ id: InvitationId }) },
  errors: ["forbidden", "email_not_verified"],
  responses: { 204: { description: "Declined" } },
});

const confirmRoute = tokenPageRoute({
  path: "/v1/auth/invitations/accept",
  tag: TAG,
  summary: "Page for an emailed invitation (never accepts on its own)",
  page: "HTML page with a button that POSTs the token",
});

const TokenBody = z.object({ token: z.string().min(1).max(512), remember: Remember }).openapi("InvitationToken");

const acceptByTokenRoute = createRoute({
  method: "post",
  path: "/v1/auth/invitations/accept",
  tags: [TAG],
  summary: "Accept an emailed invitation: proves the address, signs in and joins",
  description:
    "JSON clients get 200 with the user, the organization joined and the session's active organization; the page's form gets an HTML answer. Joining moves no one: a browser already signed in as the invitee keeps its session and active organization; otherwise the new session starts in the user's first organization, as any sign-in does (for a new account, the one joined). POST /v1/auth/organizations/{id}/switch changes it. 401 token_invalid for a used, expired, revoked or withdrawn invitation.",
  request: { body: jsonOrForm(TokenBody) },
  errors: ["token_invalid"],
  responses: {
    200: {
      description: "Joined and signed in",
      content: {
        "application/json": {
          schema: envelope(
            orChallenge(z.object({ user: User, organization: Organization, active_organization_id: z.string() })),
          ),
        },
      },
    },
  },
});

export const invitationRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(mineRoute, async (c) => {
    const list = (await listMyInvitations(c.get("ctx"), signedInUser(c).user)).map(
      ({ invited_by: _, created_at: __, ...rest }) => rest,
    );
    return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
  })
  .openapi(acceptRoute, async (c) =>
    c.json(
      {
        success: true as const,
        data: await acceptInvitation(c.get("ctx"), signedInUser(c).user, c.req.valid("param").id),
      },
      200,
    ),
  )
  .openapi(declineRoute, async (c) => {
    await declineInvitation(c.get("ctx"), signedInUser(c).user, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(confirmRoute, async (c) => {
    const token = c.req.valid("query").token ?? "";
    const invitation = await peekInvitation(c.get("ctx"), token);
    return invitationPage(c, invitation && { invitation, token }) as never;
  })
  .openapi(acceptByTokenRoute, async (c) => {
    const body = readJsonOrForm(c, TokenBody, { json: c.req.valid("json"), form: c.req.valid("form") });
    const invalid = { code: "token_invalid" as const, page: () => invalidInvitationPage(c) };
    const session = c.get("session");
    const current = session && { userId: session.record.user_id, organizationId: session.organization.id };
    const result = await signInWithToken(c, body, invalid, (input) =>
      acceptInvitationByToken(c.get("ctx"), { ...input, current }),
    );
    if (result instanceof Response) return result as never;
    if (isChallenge(result)) return c.json({ success: true as const, data: result }, 200);
    if (body.form) return joinedPage(c, result.organization.name) as never;
    const data = {
      user: result.user,
      organization: result.organization,
      active_organization_id: result.activeOrganizationId,
    };
    return c.json({ success: true as const, data }, 200);
  });
