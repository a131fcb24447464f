// Lazy group: the hosted sign-in, sign-up and account pages (HTML; not part of the API document).
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { accountActions as a } from "./account-actions";
import { accountPage } from "./account-page";
import {
  forgotForm,
  forgotPage,
  signInPage,
  signInWithEmailForm,
  signInWithPasswordForm,
  signUpForm,
  signUpPage,
  visit,
} from "./sign-in";

export const routes = new OpenAPIHono<AppEnv>();
routes
  .get("/sign-in", (c) => {
    const v = visit(c);
    // Already signed in: straight on.
    return c.get("session") ? c.redirect(v.next, 303) : signInPage(c, v);
  })
  .post("/sign-in/password", signInWithPasswordForm)
  .post("/sign-in/email", signInWithEmailForm)
  .get("/sign-in/forgot", (c) => forgotPage(c, visit(c)))
  .post("/sign-in/forgot", forgotForm)
  .get("/sign-up", (c) => signUpPage(c, visit(c)))
  .post("/sign-up", signUpForm)
  .get("/account", (c) => accountPage(c))
  .post("/account/profile", a.profile)
  .post("/account/password", a.password)
  .post("/account/sign-out", a.signOut)
  .post("/account/passkeys/:id/rename", a.renamePasskey)
  .post("/account/passkeys/:id/remove", a.removePasskey)
  .post("/account/authenticator", a.startAuthenticator)
  .post("/account/authenticator/confirm", a.confirmAuthenticator)
  .post("/account/authenticator/remove", a.removeAuthenticator)
  .post("/account/recovery-codes", a.recoveryCodes)
  .post("/account/identities/:id/unlink", a.unlinkIdentity)
  .post("/account/providers/:provider/link", a.linkProvider)
  .post("/account/devices/:id/revoke", a.revokeDevice)
  .post("/account/invitations/:id/accept", a.acceptInvitation)
  .post("/account/invitations/:id/decline", a.declineInvitation)
  .post("/account/sessions/revoke-others", a.revokeOthers)
  .post("/account/sessions/:id/revoke", a.revokeSession)
  .post("/account/organizations/:id/switch", a.switchOrganization);
