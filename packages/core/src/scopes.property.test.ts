// Property-based checks of scope-string parsing (RFC 6749 §3.3).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { AuthError } from "./errors.ts";
import { createScopeCatalogue, formatScopes } from "./scopes.ts";

const catalogue = createScopeCatalogue({ me: "Me.", items: "Items.", "admin:write": "Admin." });
const name = fc.constantFrom(...catalogue.all);
const separator = fc.string({ unit: fc.constant(" "), minLength: 1, maxLength: 3 });

describe("parsing scope strings", () => {
  it("never throws anything but AuthError invalid_scope, and yields only catalogue scopes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (raw) => {
        try {
          const parsed = catalogue.parse(raw);
          for (const scope of parsed) assert.ok(catalogue.has(scope));
          assert.equal(new Set(parsed).size, parsed.length);
        } catch (error) {
          assert.ok(error instanceof AuthError, String(error));
          assert.equal(error.code, "invalid_scope");
        }
      }),
    );
  });

  it("reads any catalogue names joined by spaces as those names, first occurrence first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, separator), { maxLength: 8 }),
        separator,
        (parts, lead) => {
          const raw = lead + parts.map(([scope, gap]) => scope + gap).join("");
          const names = parts.map(([scope]) => scope);

          assert.deepEqual(catalogue.parse(raw), [...new Set(names)]);
        },
      ),
    );
  });

  it("round-trips: formatting parsed scopes and parsing again gives the same scopes", () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 6 }), (names) => {
        const parsed = catalogue.parse(names.join(" "));

        assert.deepEqual(catalogue.parse(formatScopes(parsed)), parsed);
      }),
    );
  });

  it("refuses any string holding a name outside the catalogue", () => {
    const stranger = fc
      .string({ unit: fc.constantFrom(..."abcxyz:!~".split("")), minLength: 1, maxLength: 8 })
      .filter((candidate) => !catalogue.has(candidate));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 3 }), stranger, (names, unknown) => {
        assert.throws(() => catalogue.parse([...names, unknown].join(" ")), {
          name: "AuthError",
          code: "invalid_scope",
        });
      }),
    );
  });

  it("refuses separators other than the space, such as tabs and newlines", () => {
    fc.assert(
      fc.property(name, name, fc.constantFrom("\t", "\n", "\r", "\u00a0", ","), (a, b, gap) => {
        assert.throws(() => catalogue.parse(`${a}${gap}${b}`), { code: "invalid_scope" });
      }),
    );
  });
});
