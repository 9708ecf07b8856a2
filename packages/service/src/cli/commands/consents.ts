// `gatehouse consents …`: list and revoke the consents users gave clients on the consent page.
import type { ConsentAdminDeps } from "gatehouse-auth-core/authorization/consent-admin";
import {
  listUserConsents,
  revokeUserConsent,
} from "gatehouse-auth-core/authorization/consent-admin";
import type { Services } from "../../service/compose.ts";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";
import { formatTable } from "../text-table.ts";

function adminDeps(services: Services): ConsentAdminDeps {
  return {
    users: services.store.users,
    consents: services.store.consents,
    audit: services.store.audit,
  };
}

/**
 * `gatehouse consents list <username> [--json]` and `gatehouse consents revoke <username>
 * <client_id>`; a revocation is audited with the actor `cli`.
 * @throws {UsageError} for an unknown subcommand or missing arguments
 * @throws {AuthError} user_not_found, consent_not_found
 */
export async function runConsentsCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === "list") {
    const { values, positionals } = parseCommandArgs(
      rest,
      { json: { type: "boolean" } },
      { min: 1, max: 1 },
    );
    const [username = ""] = positionals;
    const consents = await listUserConsents(adminDeps(await deps.services()), username);
    const rows = consents.map((consent) => ({
      client_id: consent.clientId,
      scopes: [...consent.scopes],
      granted_at: new Date(consent.grantedAt).toISOString(),
    }));
    if (values.json === true) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      io.stdout(
        formatTable([
          ["CLIENT", "SCOPES", "GRANTED"],
          ...rows.map((row) => [row.client_id, row.scopes.join(" ") || "-", row.granted_at]),
        ]),
      );
    }
    return 0;
  }
  if (name === "revoke") {
    const { positionals } = parseCommandArgs(rest, {}, { min: 2, max: 2 });
    const [username = "", clientId = ""] = positionals;
    await revokeUserConsent(
      adminDeps(await deps.services()),
      { actor: "cli", clientAddress: null, requestId: null },
      username,
      clientId,
    );
    io.stdout(`revoked the consent of ${username} to ${clientId}\n`);
    return 0;
  }
  if (name === undefined) throw new UsageError("missing consents subcommand");
  throw new UsageError(`unknown consents subcommand: ${name}`);
}
