// Route groups loaded on first use. A cold isolate evaluates only the entry module (the hot paths:
// sessions, tokens, keys, storefront, magic links); a group's module (its routes, their schemas, its
// libraries: WebAuthn, OAuth...) is fetched and evaluated by the first request that needs it.
//
// The app registers, where the group's routes belong (after every middleware), one stand-in per route
// of the group, at the same method and path, so routing, params, 404/405 and the middleware chain are
// exactly as if the routes were there. The stand-in loads the group and runs that route's own
// handlers (validators, guards, handler) on the same context: same parsed body, same principal.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "./context";
import { onFirstUse } from "./on-first-use";
import { LAZY_ROUTES, type LazyGroupName } from "./routes/lazy-manifest";

type Handler = (c: Context<AppEnv>, next: Next) => Promise<Response | undefined | undefined> | Response | undefined;
type Routes = OpenAPIHono<AppEnv>;

// One line per group: each import() is a module of its own in the build (scripts/build.ts).
const loaders: Record<LazyGroupName, () => Promise<Routes>> = {
  accounts: () => import("./features/accounts").then((m) => m.routes),
  social: () => import("./features/social").then((m) => m.routes),
  mfa: () => import("./features/mfa").then((m) => m.routes),
  passkeys: () => import("./features/passkeys").then((m) => m.routes),
  organizations: () => import("./features/organizations").then((m) => m.routes),
  "api-keys": () => import("./features/api-keys").then((m) => m.routes),
  admin: () => import("./features/admin").then((m) => m.routes),
  "publishable-keys": () => import("./features/publishable-keys").then((m) => m.routes),
  devices: () => import("./features/devices").then((m) => m.routes),
  billing: () => import("./features/billing").then((m) => m.routes),
  dev: () => import("./features/dev").then((m) => m.routes),
  hosted: () => import("./features/hosted").then((m) => m.routes),
  webhooks: () => import("./features/webhooks").then((m) => m.routes),
};

/** Groups whose routes are not part of the product's API document (dev tools). */
export const UNDOCUMENTED: readonly LazyGroupName[] = ["dev", "hosted"];

/** Every lazy group's routes, loaded: for the OpenAPI document, the manifest and tests. */
export async function loadAllGroups(): Promise<Array<{ name: LazyGroupName; routes: Routes }>> {
  const names = Object.keys(loaders) as LazyGroupName[];
  return Promise.all(names.map(async (name) => ({ name, routes: await loaders[name]() })));
}

/** The manifest's content: each group's "METHOD path" list, in declaration order. */
export async function lazyManifest(): Promise<Record<string, string[]>> {
  const manifest: Record<string, string[]> = {};
  for (const { name, routes } of await loadAllGroups())
    manifest[name] = [...new Set(routes.routes.map((r) => `${r.method} ${r.path}`))];
  return manifest;
}

/** Per group: its loaded routes, indexed by "METHOD path" (one load per isolate, shared by requests). */
const groups = Object.fromEntries(
  (Object.keys(loaders) as LazyGroupName[]).map((name) => [
    name,
    onFirstUse(async () => {
      const index = new Map<string, Handler[]>();
      for (const r of (await loaders[name]()).routes) {
        const key = `${r.method} ${r.path}`;
        index.set(key, [...(index.get(key) ?? []), r.handler as unknown as Handler]);
      }
      return index;
    }),
  ]),
) as Record<LazyGroupName, () => Promise<Map<string, Handler[]>>>;

/** Hono's own composition, for one route's handlers on the caller's context. */
async function run(c: Context<AppEnv>, handlers: Handler[], next: Next): Promise<Response> {
  const step = async (i: number): Promise<void> => {
    const handler = handlers[i];
    if (!handler) return next();
    const res = await handler(c, () => step(i + 1));
    if (res instanceof Response) c.res = res;
  };
  await step(0);
  return c.res;
}

function standIn(name: LazyGroupName, method: string, path: string): MiddlewareHandler<AppEnv> {
  const key = `${method} ${path}`;
  return async (c, next) => {
    const handlers = (await groups[name]()).get(key);
    // The manifest is generated from these very routes (npm run client:generate); a mismatch is a bug.
    if (!handlers) throw new Error(`lazy route ${key} is not in group ${name}: regenerate the manifest`);
    return run(c, handlers, next);
  };
}

/** Registers a lazy group's stand-ins on the app, where its routes would be mounted. */
export function lazyGroup(app: Routes, name: LazyGroupName): void {
  // A group missing from the manifest only while `npm run client:generate` writes it (CI fails on drift).
  const manifest = LAZY_ROUTES as Partial<Record<LazyGroupName, readonly string[]>>;
  for (const route of manifest[name] ?? []) {
    const [method, path] = route.split(" ") as [string, string];
    app.on(method, path, standIn(name, method, path));
  }
}
