// Lazy group: the hosted sign-in, sign-up and account pages (HTML; not part of the API document).
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { accountActions, accountPage } from "./account";
import { signInPage, signInWithEmailForm, signInWithPasswordForm, signUpForm, signUpPage, visit } from "./sign-in";

export const routes = new OpenAPIHono<AppEnv>();
routes
  .get("/sign-in", (c) => {
    const v = visit(c);
    // Already signed in: straight on.
    return c.get("session") ? c.redirect(v.next, 303) : signInPage(c, v);
  })
  .post("/sign-in/password", signInWithPasswordForm)
  .post("/sign-in/email", signInWithEmailForm)
  .get("/sign-up", (c) => signUpPage(c, visit(c)))
  .post("/sign-up", signUpForm)
  .get("/account", (c) => accountPage(c))
  .post("/account/profile", accountActions.profile)
  .post("/account/sign-out", accountActions.signOut)
  .post("/account/passkeys/:id/remove", accountActions.removePasskey)
  .post("/account/authenticator", accountActions.startAuthenticator)
  .post("/account/authenticator/confirm", accountActions.confirmAuthenticator)
  .post("/account/sessions/revoke-others", accountActions.revokeOthers)
  .post("/account/sessions/:id/revoke", accountActions.revokeSession)
  .post("/account/organizations/:id/switch", accountActions.switchOrganization);
