import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { envelope, listEnvelope } from "../../http";
import { principal, requireCredential } from "../../middleware/require";
import { pairingPage } from "../../pages/pairing";
import { createRoute, ERRORS } from "../../routes/declare";
import { CsrfHeader, jsonBody, recordId } from "../../routes/schemas";
import { validationHook } from "../../routes/validation";
import {
  createPairingCode,
  deepLink,
  listDevices,
  pairDevice,
  pairingCodeValid,
  revokeDevice,
} from "../../services/devices";

const TAG = "Devices";
const Device = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    organization_id: z.string(),
    platform: z.enum(["ios", "android"]),
    name: z.string(),
    peer_id: z.string().nullable(),
    created_at: z.string(),
    last_seen_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("Device");

const codeRoute = createRoute({
  method: "post",
  path: "/v1/pairing/code",
  tags: [TAG],
  summary: "Ask for a pairing code (session, access token or API key)",
  description:
    "201 with a 256-bit single-use token valid 5 minutes, the app deep link (APP_SCHEME) and a pair_url page for QR codes. A new code replaces the caller's previous one for the same peer_id. Through an API key (write scope), the device holds at most the key's scopes and stops working with the key.",
  middleware: [requireCredential] as const,
  request: {
    headers: CsrfHeader,
    body: {
      content: {
        "application/json": {
          schema: z.object({ peer_id: z.string().trim().min(1).max(128).optional() }).openapi("PairingCodeRequest"),
        },
      },
    },
  },
  errors: [...ERRORS.policy],
  responses: {
    201: {
      description: "Code",
      content: {
        "application/json": {
          schema: envelope(
            z.object({ token: z.string(), deep_link: z.string(), pair_url: z.string(), expires_in: z.number() }),
          ),
        },
      },
    },
  },
});

const linkRoute = createRoute({
  method: "get",
  path: "/v1/pairing/link/{code}",
  tags: [TAG],
  summary: "Page that opens the app's deep link (never spends the code)",
  request: { params: z.object({ code: z.string().max(512) }) },
  responses: {
    200: {
      description: "HTML page with the deep link and store links",
      content: { "text/html": { schema: z.string() } },
    },
    410: { description: "HTML page: the code expired or was used", content: { "text/html": { schema: z.string() } } },
  },
});

const pairRoute = createRoute({
  method: "post",
  path: "/v1/pairing/pair",
  tags: [TAG],
  summary: "Exchange a pairing code for a device token",
  description:
    "Spends the code atomically (one device per code), records the device and returns a device JWT (typ device+jwt, 90 days by default). 401 token_invalid for used or unknown codes, token_expired for expired ones.",
  request: {
    body: jsonBody(
      z
        .object({
          pairing_token: z.string().min(1).max(512),
          push_token: z.string().trim().min(1).max(4096),
          platform: z.enum(["ios", "android"]),
          device_name: z.string().trim().min(1).max(100),
        })
        .openapi("PairRequest"),
    ),
  },
  errors: [...ERRORS.oneTimeToken],
  responses: {
    201: {
      description: "Paired",
      content: {
        "application/json": {
          schema: envelope(
            z.object({
              token: z.string(),
              gateway_url: z.string(),
              peer_id: z.string().nullable(),
              device_id: z.string(),
            }),
          ),
        },
      },
    },
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/devices",
  tags: [TAG],
  summary: "Paired devices: your own; owners, admins and keys see the organization's",
  middleware: [requireCredential] as const,
  errors: [...ERRORS.policy],
  responses: {
    200: { description: "Devices", content: { "application/json": { schema: listEnvelope(Device) } } },
  },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/devices/{id}",
  tags: [TAG],
  summary: "Revoke a device: its token fails on the next request",
  middleware: [requireCredential] as const,
  request: {
    headers: CsrfHeader,
    params: z.object({ id: recordId("dev", "a device id") }),
  },
  errors: [...ERRORS.policy],
  responses: {
    200: { description: "Revoked", content: { "application/json": { schema: envelope(Device) } } },
  },
});

export const deviceRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(codeRoute, async (c) => {
    const peerId = (c.req.valid("json") as { peer_id?: string }).peer_id ?? null;
    return c.json({ success: true as const, data: await createPairingCode(c.get("ctx"), principal(c), peerId) }, 201);
  })
  .openapi(linkRoute, async (c) => {
    const { code } = c.req.valid("param");
    return pairingPage(
      c,
      (await pairingCodeValid(c.get("ctx"), code)) ? deepLink(c.get("config"), code) : null,
    ) as never;
  })
  .openapi(pairRoute, async (c) => {
    const body = c.req.valid("json");
    const paired = await pairDevice(c.get("ctx"), {
      pairingToken: body.pairing_token,
      pushToken: body.push_token,
      platform: body.platform,
      deviceName: body.device_name,
    });
    return c.json({ success: true as const, data: paired }, 201);
  })
  .openapi(listRoute, async (c) => {
    const list = await listDevices(c.get("ctx"), principal(c));
    return c.json({ success: true as const, data: list, meta: { count: list.length } }, 200);
  })
  .openapi(revokeRoute, async (c) =>
    c.json(
      { success: true as const, data: await revokeDevice(c.get("ctx"), principal(c), c.req.valid("param").id) },
      200,
    ),
  );
