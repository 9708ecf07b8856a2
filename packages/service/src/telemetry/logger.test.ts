import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, silentLogger, withFields } from "./logger.ts";

function capture(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}

describe("the logger", () => {
  it("writes one JSON object per line with the level by name, an ISO time, the fields and msg", () => {
    const out = capture();

    createLogger("info", out.write).info("listening", { url: "http://127.0.0.1:8000", pid: 7 });

    assert.equal(out.lines.length, 1);
    assert.ok(out.lines[0]?.endsWith("}\n"));
    const entry = JSON.parse(out.lines[0] ?? "") as Record<string, unknown>;
    assert.deepEqual(Object.keys(entry), ["level", "time", "url", "pid", "msg"]);
    assert.equal(entry["level"], "info");
    assert.match(String(entry["time"]), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(entry["msg"], "listening");
  });

  it("drops the lines below its level", () => {
    const out = capture();
    const logger = createLogger("warn", out.write);

    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d", { code: 1 });

    assert.deepEqual(
      out.lines.map((line) => (JSON.parse(line) as { level: string }).level),
      ["warn", "error"],
    );
  });

  it("writes debug lines at the debug level", () => {
    const out = capture();

    createLogger("debug", out.write).debug("details", { step: 1 });

    assert.equal(out.lines.length, 1);
  });

  it("writes nothing at the silent level, nor as the silent logger", () => {
    const out = capture();
    const logger = createLogger("silent", out.write);

    logger.error("a");
    silentLogger.error("b");

    assert.deepEqual(out.lines, []);
  });

  it("redacts fields named like a secret, and the credentials among request headers", () => {
    const out = capture();

    createLogger("info", out.write).info("oops", {
      password: "hunter2",
      headers: { authorization: "Bearer abc.def.ghi", accept: "*/*" },
    });

    assert.equal(out.lines.join("").includes("hunter2"), false);
    assert.equal(out.lines.join("").includes("abc.def.ghi"), false);
    const entry = JSON.parse(out.lines[0] ?? "") as { headers: { accept: string } };
    assert.equal(entry.headers.accept, "*/*");
  });

  it("writes human-readable text instead of JSON when asked to be pretty", () => {
    const out = capture();

    createLogger("info", { write: out.write, pretty: true }).info("listening", { port: 8000 });

    assert.equal(out.lines.length, 1);
    assert.throws(() => JSON.parse(out.lines[0] ?? ""));
    assert.match(out.lines[0] ?? "", /INFO.*listening/);
    assert.match(out.lines[0] ?? "", /\{"port":8000\}\n$/);
  });

  it("adds fixed fields to every line of a derived logger", () => {
    const out = capture();

    withFields(createLogger("info", out.write), { worker: 2 }).info("ready", { pid: 9 });

    const entry = JSON.parse(out.lines[0] ?? "") as Record<string, unknown>;
    assert.equal(entry["worker"], 2);
    assert.equal(entry["pid"], 9);
  });
});
