// Every error answer a test sees must be one the OpenAPI document declares for that operation: its
// status among the operation's responses, its error.code in that status's enum. The harness runs this
// on each response, so the whole suite keeps /openapi.json honest.

interface Operation {
  pattern: RegExp;
  method: string;
  template: string;
  codes: Map<number, Set<string> | null>;
}

type Doc = {
  paths: Record<string, Record<string, { responses?: Record<string, any> }>>;
  components?: { schemas?: Record<string, any> };
};

function resolve(doc: Doc, schema: any): any {
  if (schema?.$ref) return doc.components?.schemas?.[String(schema.$ref).split("/").pop() ?? ""];
  return schema;
}

export function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    for (const [method, op] of Object.entries(methods)) {
      const codes = new Map<number, Set<string> | null>();
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const schema = resolve(doc, response?.content?.["application/json"]?.schema);
        const code = resolve(doc, schema?.properties?.error)?.properties?.code;
        codes.set(Number(status), Array.isArray(code?.enum) ? new Set(code.enum) : null);
      }
      out.push({ pattern, method: method.toUpperCase(), template, codes });
    }
  }
  return out;
}

/** A sentence saying what the document does not declare, or null when the answer is declared. */
export function undeclared(ops: Operation[], method: string, path: string, status: number, code: string | null) {
  if (status < 400 || status >= 500) return null;
  const op = ops.find((o) => o.method === method && o.pattern.test(path));
  if (!op) return null;
  if (!op.codes.has(status)) return `${method} ${op.template} answered ${status} ${code ?? ""} (status not declared)`;
  const codes = op.codes.get(status);
  if (code !== null && codes && !codes.has(code))
    return `${method} ${op.template} answered ${status} ${code} (code not declared)`;
  return null;
}
