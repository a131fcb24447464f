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

/** The error codes a response schema allows: one `Error_<code>` schema, or a union of them. */
function errorCodes(doc: Doc, raw: any): Set<string> | null {
  const schema = resolve(doc, raw);
  const alternatives: any[] = schema?.anyOf ?? schema?.oneOf ?? [schema];
  const codes = new Set<string>();
  for (const alternative of alternatives) {
    const code = resolve(doc, resolve(doc, alternative)?.properties?.error)?.properties?.code;
    if (!Array.isArray(code?.enum)) return null;
    for (const value of code.enum) codes.add(value);
  }
  return codes;
}

export function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    for (const [method, op] of Object.entries(methods)) {
      const codes = new Map<number, Set<string> | null>();
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        codes.set(Number(status), errorCodes(doc, response?.content?.["application/json"]?.schema));
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

/**
 * Where `value` breaks `schema` (the JSON Schema keywords the document uses), as "path: reason"
 * lines; empty when it conforms. Checks the document's examples against their own schemas.
 */
export function violations(doc: Doc, raw: any, value: unknown, path = "$"): string[] {
  const schema = resolve(doc, raw) ?? {};
  const out: string[] = [];
  if (schema.allOf) for (const part of schema.allOf) out.push(...violations(doc, part, value, path));
  const options = schema.anyOf ?? schema.oneOf;
  if (options && !options.some((o: any) => violations(doc, o, value, path).length === 0))
    out.push(`${path}: matches none of ${options.length} alternatives`);
  if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (schema.const !== undefined && schema.const !== value) out.push(`${path}: not ${schema.const}`);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual =
      value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
    const ok = types.includes(actual) || (actual === "integer" && types.includes("number"));
    if (!ok) return [...out, `${path}: ${actual}, expected ${types.join("|")}`];
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${path}: too short`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${path}: too long`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) out.push(`${path}: does not match pattern`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${path}: above maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${path}: too few items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${path}: too many items`);
    if (schema.items)
      for (const [i, item] of value.entries()) out.push(...violations(doc, schema.items, item, `${path}[${i}]`));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) out.push(`${path}.${key}: missing`);
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) out.push(...violations(doc, property, item, `${path}.${key}`));
      else if (schema.additionalProperties === false) out.push(`${path}.${key}: not allowed`);
    }
  }
  return out;
}
