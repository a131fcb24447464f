import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AuthError } from "../errors";

/** Turns a failed schema check into 400 validation_error with one detail per field. */
export function validationHook(result: { success: boolean; error?: z.ZodError }, _c: Context): void {
  if (result.success || !result.error) return;
  throw new AuthError("validation_error", {
    details: result.error.issues.map((issue) => ({
      field: issue.path.length > 0 ? issue.path.join(".") : "body",
      message: issue.message,
    })),
  });
}
