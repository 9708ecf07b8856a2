import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

interface EventBody {
  id: number;
  time: string;
  type: string;
  actor: string | null;
  subject: string | null;
  client_address: string | null;
  request_id: string | null;
  reason: string | null;
}
interface PageBody {
  events: EventBody[];
  next_cursor: number | null;
}

describe("login events and GET /admin/audit", () => {
  let t: TestApp;
  let auditor: string;

  const tryLogin = (username: string, password: string, scope?: string): Promise<Response> =>
    Promise.resolve(
      t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username, password, ...(scope ? { scope } : {}) }),
      }),
    );
  const audit = async (query: string): Promise<PageBody> => {
    const response = await t.app.request(`/admin/audit${query}`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as PageBody;
  };

  before(async () => {
    t = await makeTestApp();
    await t.store.users.createUser({
      username: "auditor",
      scopes: ["audit:read"],
      passwordHash: await t.hasher.hash("auditor password"),
    });
    auditor = await t.login("auditor", "auditor password");
  });
  after(() => t.close());

  it("records a successful login with the request id the response carries", async () => {
    const response = await tryLogin("johndoe", "secret");

    const [event] = (await audit("?type=login.succeeded&user=johndoe")).events;
    assert.equal(event?.actor, "johndoe");
    assert.equal(event?.subject, "johndoe");
    assert.equal(event?.reason, null);
    assert.equal(event?.request_id, response.headers.get("x-request-id"));
  });

  it("records failed logins with a reason code and never the password", async () => {
    t.clock.advance(1000);
    await tryLogin("johndoe", "wrong-password-42");
    await tryLogin("alice", "secret2");
    await tryLogin("johndoe", "secret", "nonsense");

    const page = await audit("?type=login.failed&limit=3");

    assert.deepEqual(
      page.events.map((e) => [e.subject, e.reason]),
      [
        ["johndoe", "invalid_scope"],
        ["alice", "inactive_user"],
        ["johndoe", "invalid_credentials"],
      ],
    );
    assert.doesNotMatch(JSON.stringify(page), /wrong-password-42|secret2/);
  });

  it("records no subject for a username outside the username rules", async () => {
    await tryLogin("not a username!", "whatever");

    const [event] = (await audit("?type=login.failed&limit=1")).events;

    assert.equal(event?.subject, null);
    assert.equal(event?.reason, "invalid_credentials");
  });

  it("pages newest first with next_cursor", async () => {
    const first = await audit("?limit=2");
    const second = await audit(`?limit=2&cursor=${first.next_cursor}`);

    assert.equal(first.events.length, 2);
    assert.ok((second.events[0]?.id ?? 0) < (first.events[1]?.id ?? 0));
  });

  it("filters by time with ISO instants", async () => {
    const start = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const later = new Date(Date.UTC(2026, 0, 1) + 500).toISOString();

    const early = await audit(`?since=${start}&until=${later}`);

    assert.ok(early.events.every((e) => e.time < later));
    assert.ok(early.events.some((e) => e.type === "login.succeeded"));
  });

  it("answers 422 for a since that is not an ISO instant and an unknown type", async () => {
    const response = await t.app.request("/admin/audit?since=yesterday&type=nope", {
      headers: { authorization: `Bearer ${auditor}` },
    });

    assert.equal(response.status, 422);
    const { detail } = (await response.json()) as { detail: { loc: unknown[] }[] };
    assert.deepEqual(
      detail.map((d) => d.loc),
      [
        ["query", "since"],
        ["query", "type"],
      ],
    );
  });
});
