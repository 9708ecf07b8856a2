// The README's map of the documentation, and every relative link between the pages.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";

const root = new URL("../../", import.meta.url);
const pages = [
  "README.md",
  ...readdirSync(new URL("docs/", root))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
const read = (page: string): string => readFileSync(new URL(page, root), "utf8");

/** The anchors GitHub derives from a page's headings. */
function headingAnchors(page: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of read(page).matchAll(/^#+\s+(.+)$/gm)) {
    const title = match[1] ?? "";
    anchors.add(
      title
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\- _]/gu, "")
        .replaceAll(" ", "-"),
    );
  }
  return anchors;
}

/** Relative Markdown links outside code blocks, as [page, link] pairs. */
function relativeLinks(page: string): [string, string][] {
  const prose = read(page).replace(/```[\s\S]*?```/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? "")
    .filter((link) => !/^[a-z]+:/.test(link))
    .map((link) => [page, link]);
}

describe("the documentation", () => {
  it("keeps the README short enough to read (250 lines at most)", () => {
    const lines = read("README.md").split("\n").length;

    assert.ok(lines <= 250, `README.md has ${lines} lines`);
  });

  it("maps every docs page from the README", () => {
    const readme = read("README.md");

    const unlisted = pages.filter((page) => page !== "README.md" && !readme.includes(`](${page})`));
    assert.deepEqual(unlisted, []);
  });

  it("links only to files and headings that exist", () => {
    const broken = pages.flatMap((page) =>
      relativeLinks(page).filter(([from, link]) => {
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? new URL(from, root) : new URL(path, new URL(from, root));
        if (!existsSync(target)) return true;
        if (anchor === undefined || !target.pathname.endsWith(".md")) return false;
        const targetPage = target.pathname.slice(root.pathname.length);
        return !headingAnchors(targetPage).has(anchor);
      }),
    );

    assert.deepEqual(broken, []);
  });
});
