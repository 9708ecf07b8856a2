import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { knownSettingNames } from "./config.ts";
import { describeUnknownSetting, findUnknownSettings } from "./unknown-settings.ts";

describe("unknown settings", () => {
  it("names a misspelt GATEHOUSE_* variable with the setting nearest to it", () => {
    const found = findUnknownSettings({
      GATEHOUSE_JWT_SECRETS: "x",
      GATEHOUSE_DATABSE_URL: "sqlite:x.db",
      GATEHOUSE_LOGLEVEL: "debug",
    });

    assert.deepEqual(found, [
      { name: "GATEHOUSE_DATABSE_URL", nearest: "GATEHOUSE_DATABASE_URL" },
      { name: "GATEHOUSE_JWT_SECRETS", nearest: "GATEHOUSE_JWT_SECRET" },
      { name: "GATEHOUSE_LOGLEVEL", nearest: "GATEHOUSE_LOG_LEVEL" },
    ]);
  });

  it("passes over known settings, other variables, and the names of the tests and examples", () => {
    const env = Object.fromEntries(knownSettingNames.map((name) => [name, "1"]));

    const found = findUnknownSettings({
      ...env,
      PATH: "/bin",
      HOSTNAME: "box",
      GATEHOUSE_TEST_DATABASE_URL: "postgres://x/y",
      GATEHOUSE_URL: "http://127.0.0.1:8000",
    });

    assert.deepEqual(found, []);
  });

  it("knows HOST, PORT and the GATEHOUSE_* settings", () => {
    assert.ok(knownSettingNames.includes("HOST"));
    assert.ok(knownSettingNames.includes("PORT"));
    assert.ok(knownSettingNames.includes("GATEHOUSE_DATABASE_URL"));
  });

  it("describes one in a line naming both", () => {
    assert.equal(
      describeUnknownSetting({ name: "GATEHOUSE_DEMOO", nearest: "GATEHOUSE_DEMO" }),
      "GATEHOUSE_DEMOO is not a Gatehouse setting and is ignored; did you mean GATEHOUSE_DEMO?",
    );
  });
});
