import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeTestApp, type TestApp } from "../../../../../test/fixtures/test-app.ts";

/** The value of one sample line, e.g. `name{a="b"} 3`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<Response> {
  return t.app.request("/metrics", { headers });
}

describe("GET /metrics", () => {
  it("counts requests, latencies, logins and token verifications exactly after a known sequence", async () => {
    const t = await makeTestApp();
    const login = (password: string) =>
      t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username: "johndoe", password }),
      });
    await login("secret");
    const token = ((await (await login("secret")).json()) as { access_token: string }).access_token;
    await login("wrong");
    await t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
    await t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}x` } });
    await t.app.request("/users/me/");
    await t.app.request("/nowhere");
    t.clock.advance(31 * 60 * 1000);
    await t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });

    const response = await scrape(t);
    const text = await response.text();
    await t.close();

    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const requests = (labels: string) => sample(text, `gatehouse_http_requests_total{${labels}}`);
    assert.equal(requests('method="POST",route="/token",status="200"'), 2);
    assert.equal(requests('method="POST",route="/token",status="400"'), 1);
    assert.equal(requests('method="GET",route="/users/me",status="200"'), 1);
    assert.equal(requests('method="GET",route="/users/me",status="401"'), 3);
    assert.equal(requests('method="GET",route="unmatched",status="404"'), 1);
    assert.equal(
      sample(
        text,
        'gatehouse_http_request_duration_seconds_count{method="POST",route="/token",status="200"}',
      ),
      2,
    );
    assert.equal(sample(text, 'gatehouse_logins_total{outcome="succeeded"}'), 2);
    assert.equal(sample(text, 'gatehouse_logins_total{outcome="invalid_credentials"}'), 1);
    assert.equal(sample(text, 'gatehouse_token_verifications_total{outcome="valid"}'), 1);
    assert.equal(sample(text, 'gatehouse_token_verifications_total{outcome="invalid"}'), 1);
    assert.equal(sample(text, 'gatehouse_token_verifications_total{outcome="expired"}'), 1);
    assert.doesNotMatch(text, /johndoe|secret|nowhere/);
  });

  it("is open when no metrics token is configured", async () => {
    const t = await makeTestApp();

    const response = await scrape(t);
    await t.close();

    assert.equal(response.status, 200);
  });

  it("requires the configured bearer token and refuses a missing, wrong or other-scheme one", async () => {
    const metricsToken = "a-metrics-token-of-some-length";
    const t = await makeTestApp({ metricsToken });

    const answers = await Promise.all([
      scrape(t),
      scrape(t, { authorization: "Bearer wrong-token" }),
      scrape(t, { authorization: `Basic ${metricsToken}` }),
      scrape(t, { authorization: `Bearer ${metricsToken}` }),
    ]);
    await t.close();

    assert.deepEqual(
      answers.map((r) => r.status),
      [401, 401, 401, 200],
    );
    assert.equal(answers[0]?.headers.get("www-authenticate"), "Bearer");
  });
});
