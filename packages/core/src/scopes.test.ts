import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isAuthError } from "./errors.ts";
import {
  createScopeCatalogue,
  formatScopes,
  intersectScopes,
  missingScopes,
  type Scope,
  seedScopeDescriptions,
} from "./scopes.ts";

const invalidScope = { name: "AuthError", code: "invalid_scope" } as const;

// Every character RFC 6749 §3.3 allows in a scope-token appears in at least one name.
const catalogue = createScopeCatalogue({
  me: "Read information about the current user.",
  items: "Read items.",
  "items:write": "Write items.",
  "!#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}~": "Every punctuation character allowed.",
});
const me = scopeNamed("me");
const items = scopeNamed("items");
const itemsWrite = scopeNamed("items:write");

function scopeNamed(name: string): Scope {
  if (!catalogue.has(name)) throw new Error(`not in the test catalogue: ${name}`);
  return name;
}

describe("createScopeCatalogue", () => {
  it("lists every scope in declaration order", () => {
    const scopes = createScopeCatalogue({ b: "B.", a: "A.", c: "C." });

    assert.deepEqual(scopes.all, ["b", "a", "c"]);
  });

  it("keeps the descriptions for OpenAPI, copied from the entries", () => {
    const entries: Record<string, string> = { me: "Read me." };
    const scopes = createScopeCatalogue(entries);

    entries["me"] = "Changed afterwards.";

    assert.deepEqual(scopes.descriptions, { me: "Read me." });
  });

  it("is frozen, along with its list and descriptions", () => {
    const scopes = createScopeCatalogue(seedScopeDescriptions);

    assert.ok(Object.isFrozen(scopes));
    assert.ok(Object.isFrozen(scopes.all));
    assert.ok(Object.isFrozen(scopes.descriptions));
  });

  it("declares the seed's scopes word for word from FastAPI's tutorial", () => {
    assert.deepEqual(seedScopeDescriptions, {
      me: "Read information about the current user.",
      items: "Read items.",
    });
  });

  for (const name of [
    "",
    "has space",
    'quo"te',
    "back\\slash",
    "tab\t",
    "new\nline",
    "é",
    "\u007f",
  ]) {
    it(`refuses the scope name ${JSON.stringify(name)} with a TypeError`, () => {
      assert.throws(() => createScopeCatalogue({ [name]: "Bad." }), TypeError);
    });
  }

  it("accepts a name using every punctuation character RFC 6749 allows", () => {
    assert.ok(catalogue.has("!#$%&'()*+,-./0123456789:;<=>?@[]^_`{|}~"));
  });
});

describe("ScopeCatalogue.has", () => {
  it("tells a declared scope from an undeclared one", () => {
    assert.equal(catalogue.has("me"), true);
    assert.equal(catalogue.has("admin"), false);
  });

  it("does not treat Object.prototype names as scopes", () => {
    assert.equal(catalogue.has("constructor"), false);
    assert.equal(catalogue.has("toString"), false);
    assert.equal(catalogue.has("__proto__"), false);
  });
});

describe("ScopeCatalogue.parse", () => {
  it("parses space-separated scopes in the order given", () => {
    const scopes = catalogue.parse("items me");

    assert.deepEqual(scopes, ["items", "me"]);
  });

  it("drops duplicates, keeping the first-seen order", () => {
    const scopes = catalogue.parse("items me items me items:write me");

    assert.deepEqual(scopes, ["items", "me", "items:write"]);
  });

  it("parses the empty string as no scopes", () => {
    const scopes = catalogue.parse("");

    assert.deepEqual(scopes, []);
  });

  it("parses a string of spaces as no scopes", () => {
    const scopes = catalogue.parse("   ");

    assert.deepEqual(scopes, []);
  });

  it("accepts several spaces between, before and after scopes", () => {
    const scopes = catalogue.parse("  me   items  ");

    assert.deepEqual(scopes, ["me", "items"]);
  });

  it("returns a frozen list", () => {
    const scopes = catalogue.parse("me");

    assert.ok(Object.isFrozen(scopes));
  });

  it("refuses a scope that is not in the catalogue", () => {
    assert.throws(() => catalogue.parse("me admin"), invalidScope);
  });

  it("refuses Object.prototype names", () => {
    assert.throws(() => catalogue.parse("constructor"), invalidScope);
  });

  it("is case-sensitive", () => {
    assert.throws(() => catalogue.parse("Me"), invalidScope);
  });

  const separatorsAndCharacters: ReadonlyArray<readonly [string, string]> = [
    ["a tab", "me\titems"],
    ["a newline", "me\nitems"],
    ["a carriage return", "me\r\nitems"],
    ["a double quote", 'me "items"'],
    ["a backslash", "me\\ items"],
    ["a NUL", "me\u0000"],
    ["a control character", "me \u0001"],
    ["DEL", "me\u007f"],
    ["a non-breaking space", "me\u00a0items"],
    ["a non-ASCII letter", "mé"],
    ["a comma-separated list", "me,items"],
  ];
  for (const [label, raw] of separatorsAndCharacters) {
    it(`refuses a scope string holding ${label}`, () => {
      assert.throws(() => catalogue.parse(raw), invalidScope);
    });
  }
});

describe("ScopeCatalogue.check", () => {
  it("returns declared names as scopes", () => {
    const scopes = catalogue.check(["items", "me"]);

    assert.deepEqual(scopes, ["items", "me"]);
  });

  it("drops duplicates, keeping the first-seen order", () => {
    const scopes = catalogue.check(["me", "items", "me"]);

    assert.deepEqual(scopes, ["me", "items"]);
  });

  it("refuses a name that is not declared", () => {
    assert.throws(() => catalogue.check(["me", "admin"]), invalidScope);
  });

  it("returns a frozen list", () => {
    const scopes = catalogue.check(["me"]);

    assert.ok(Object.isFrozen(scopes));
  });
});

describe("formatScopes", () => {
  it("joins scopes with single spaces", () => {
    assert.equal(formatScopes([me, items, itemsWrite]), "me items items:write");
  });

  it("formats no scopes as the empty string", () => {
    assert.equal(formatScopes([]), "");
  });

  it("round-trips through parse", () => {
    const scopes = [items, me];

    assert.deepEqual(catalogue.parse(formatScopes(scopes)), scopes);
  });
});

describe("missingScopes", () => {
  it("lists the required scopes that were not granted, in required order", () => {
    const missing = missingScopes([me], [itemsWrite, me, items]);

    assert.deepEqual(missing, ["items:write", "items"]);
  });

  it("is empty when every required scope was granted", () => {
    const missing = missingScopes([items, me], [me]);

    assert.deepEqual(missing, []);
  });

  it("is empty when nothing is required", () => {
    const missing = missingScopes([], []);

    assert.deepEqual(missing, []);
  });
});

describe("intersectScopes", () => {
  it("keeps the requested scopes that are allowed, in requested order", () => {
    const granted = intersectScopes([items, me, itemsWrite], ["me", "items"]);

    assert.deepEqual(granted, ["items", "me"]);
  });

  it("ignores allowed names that were not requested or are not in the catalogue", () => {
    const granted = intersectScopes([me], ["me", "admin", "items"]);

    assert.deepEqual(granted, ["me"]);
  });

  it("is empty when nothing requested is allowed", () => {
    const granted = intersectScopes([itemsWrite], ["me"]);

    assert.deepEqual(granted, []);
  });
});

describe("ScopeCatalogue.parse: properties", () => {
  it("parses catalogue names joined by one or more spaces to the de-duplicated list", () => {
    const names = fc.array(fc.constantFrom(...catalogue.all), { maxLength: 12 });
    const spaces = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 13, maxLength: 13 });
    const padding = fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }));

    const property = fc.property(names, spaces, padding, (list, gaps, [before, after]) => {
      const joined = list.map((name, i) => (i === 0 ? "" : " ".repeat(gaps[i] ?? 1)) + name);
      const raw = `${" ".repeat(before)}${joined.join("")}${" ".repeat(after)}`;

      assert.deepEqual(catalogue.parse(raw), [...new Set(list)]);
    });

    fc.assert(property, { numRuns: 500 });
  });

  it("returns only distinct catalogue scopes for any string, or refuses it with invalid_scope", () => {
    const pieces = fc.constantFrom(
      "me",
      "items",
      "items:write",
      "admin",
      " ",
      "\t",
      '"',
      "\\",
      "é",
    );
    const raw = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.string({ unit: "grapheme-ascii" }),
      fc.array(pieces, { maxLength: 10 }).map((parts) => parts.join("")),
    );

    const property = fc.property(raw, (input) => {
      let scopes: readonly string[];
      try {
        scopes = catalogue.parse(input);
      } catch (error) {
        assert.ok(isAuthError(error, "invalid_scope"), `unexpected error: ${String(error)}`);
        return;
      }
      assert.ok(scopes.every((scope) => catalogue.has(scope)));
      assert.equal(new Set(scopes).size, scopes.length);
    });

    fc.assert(property, { numRuns: 1000 });
  });
});
