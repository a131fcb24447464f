// `npm run lint:docs`: every relative link in the repository's Markdown resolves inside a fresh clone
// (the file is tracked by git, and a #fragment names a heading of that file), and none leaves the
// repository. Web links are not fetched (CI may be offline); they are only required to be https (or
// loopback http, for the dev worker). Exits 1 listing every broken link.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const tracked = new Set(
  execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean),
);
const markdown = [...tracked].filter((f) => f.endsWith(".md"));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const plain = (heading[1] ?? "").replace(/`|\*|_(?=\w)|\[([^\]]*)\]\([^)]*\)/g, "$1");
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Link targets outside code: [text](target) and <https://…> autolinks. */
function links(text: string): string[] {
  const found: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const prose = line.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push(m[1] ?? "");
    for (const m of prose.matchAll(/<(https?:\/\/[^>\s]+)>/g)) found.push(m[1] ?? "");
  }
  return found;
}

const broken: string[] = [];
const cache = new Map<string, Set<string>>();
const anchorsOf = (file: string) => {
  const known = cache.get(file) ?? anchors(readFileSync(join(root, file), "utf8"));
  cache.set(file, known);
  return known;
};
for (const file of markdown) {
  for (const target of links(readFileSync(join(root, file), "utf8"))) {
    const where = `${file}: ${target}`;
    if (/^https?:\/\//.test(target)) {
      if (!/^https:\/\//.test(target) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(target))
        broken.push(`${where} (use https)`);
      continue;
    }
    if (/^[a-z]+:/i.test(target)) continue; // mailto:, app schemes in examples
    const [path = "", fragment] = target.split("#");
    const resolved = path === "" ? file : normalize(join(dirname(file), decodeURIComponent(path)));
    if (resolved.startsWith("..") || relative(root, join(root, resolved)).startsWith("..")) {
      broken.push(`${where} (leaves the repository)`);
      continue;
    }
    const isDir = [...tracked].some((f) => f.startsWith(`${resolved.replace(/\/$/, "")}/`));
    if (!tracked.has(resolved) && !isDir) {
      broken.push(`${where} (no such file in git)`);
      continue;
    }
    if (fragment && resolved.endsWith(".md") && !anchorsOf(resolved).has(fragment))
      broken.push(`${where} (no heading #${fragment} in ${resolved})`);
  }
}
if (broken.length > 0) {
  console.error(`${broken.length} broken link(s):\n${broken.map((b) => `  ${b}`).join("\n")}`);
  process.exit(1);
}
console.log(`${markdown.length} Markdown files: every relative link resolves inside the repository`);
