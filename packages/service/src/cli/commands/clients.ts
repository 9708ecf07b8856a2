// `gatehouse clients …`: register, inspect, change and delete OAuth clients in the configured store.
import { readFile } from "node:fs/promises";
import type { Client, ClientRecord } from "gatehouse-auth-core/clients/client";
import { toClient } from "gatehouse-auth-core/clients/client";
import {
  type ClientAdminDeps,
  type ClientWithSecret,
  changeClient,
  deleteClientRegistration,
  registerClient,
  rotateClientSecret,
} from "gatehouse-auth-core/clients/client-admin";
import { isValidClientId } from "gatehouse-auth-core/clients/client-rules";
import { AuthError } from "gatehouse-auth-core/errors";
import type { AuditContext } from "gatehouse-auth-core/users/user-admin";
import type { Services } from "../../service/compose.ts";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { Command, CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";
import { formatTable } from "../text-table.ts";

// Changes made from the command line are audited with the actor "cli".
const cliContext: AuditContext = { actor: "cli", clientAddress: null, requestId: null };

function adminDeps(services: Services): ClientAdminDeps {
  return {
    clients: services.store.clients,
    audit: services.store.audit,
    scopes: services.scopes,
    clock: services.clock,
    secretOverlapSeconds: services.settings.clientSecretOverlapSeconds,
  };
}

const words = (text: string | undefined): string[] | undefined =>
  text?.split(/\s+/).filter((word) => word !== "");

function checkedClientId(clientId: string | undefined): string {
  if (clientId === undefined) throw new UsageError("missing argument: <client_id>");
  if (!isValidClientId(clientId)) {
    throw new AuthError("invalid_request", "a client_id is 1 to 128 of A-Z a-z 0-9 . _ ~ -");
  }
  return clientId;
}

/** A client as `show` and `list --json` print it: the admin API's fields, never a secret or hash. */
function describeClient(client: Client): Record<string, unknown> {
  return {
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    grant_types: client.grantTypes,
    scopes: client.scopes,
    redirect_uris: client.redirectUris,
    audiences: client.audiences,
    first_party: client.firstParty,
    disabled: client.disabled,
    jwks: client.jwks,
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a new secret once, as JSON for scripts or with a reminder for people. */
function printSecret(io: CliIo, json: boolean, action: string, result: ClientWithSecret): void {
  const { clientId } = result.client;
  if (json) {
    printJson(io, {
      client_id: clientId,
      ...(result.secret === null ? {} : { client_secret: result.secret }),
    });
    return;
  }
  io.stdout(`${action} client ${result.client.name}\nclient_id:     ${clientId}\n`);
  if (result.secret !== null) {
    io.stdout(`client_secret: ${result.secret}\nStore the secret now: it is not shown again.\n`);
  }
}

async function existingClient(services: Services, clientId: string): Promise<ClientRecord> {
  const record = await services.store.clients.findClient(clientId);
  if (record === undefined) throw new AuthError("client_not_found", `no client ${clientId}`);
  return record;
}

const one = { min: 1, max: 1 } as const;

/** Reads the JWK Set file of `--jwks`: JSON, checked by the registration itself. */
async function readJwksFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AuthError("invalid_request", `${file} is not JSON (a JWK Set: {"keys": [...]})`);
  }
}

const addClient: Command = async (args, io, deps) => {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      public: { type: "boolean" },
      grants: { type: "string" },
      scopes: { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      audience: { type: "string", multiple: true },
      "first-party": { type: "boolean" },
      jwks: { type: "string" },
      json: { type: "boolean" },
    },
    one,
  );
  const grantTypes = words(values.grants);
  const jwks = values.jwks === undefined ? undefined : await readJwksFile(values.jwks);
  const result = await registerClient(adminDeps(await deps.services()), cliContext, {
    name: positionals[0] ?? "",
    type: values.public === true ? "public" : "confidential",
    ...(grantTypes === undefined ? {} : { grantTypes }),
    scopes: words(values.scopes) ?? [],
    redirectUris: values["redirect-uri"] ?? [],
    audiences: values.audience ?? [],
    firstParty: values["first-party"] ?? false,
    ...(jwks === undefined ? {} : { jwks }),
  });
  printSecret(io, values.json === true, "created", result);
  return 0;
};

const listClients: Command = async (args, io, deps) => {
  const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, { min: 0, max: 0 });
  const clients = (await (await deps.services()).store.clients.listClients()).map(toClient);
  if (values.json === true) {
    printJson(io, clients.map(describeClient));
    return 0;
  }
  io.stdout(
    formatTable([
      ["CLIENT_ID", "NAME", "TYPE", "STATUS", "GRANTS", "SCOPES"],
      ...clients.map((client) => [
        client.clientId,
        client.name,
        client.type,
        client.disabled ? "disabled" : "active",
        client.grantTypes.join(" "),
        client.scopes.join(" "),
      ]),
    ]),
  );
  return 0;
};

const showClient: Command = async (args, io, deps) => {
  const { positionals } = parseCommandArgs(args, { json: { type: "boolean" } }, one);
  const record = await existingClient(await deps.services(), checkedClientId(positionals[0]));
  printJson(io, describeClient(toClient(record)));
  return 0;
};

function setDisabled(disabled: boolean): Command {
  return async (args, io, deps) => {
    const clientId = checkedClientId(parseCommandArgs(args, {}, one).positionals[0]);
    await changeClient(adminDeps(await deps.services()), cliContext, clientId, { disabled });
    io.stdout(`${disabled ? "disabled" : "enabled"} client ${clientId}\n`);
    return 0;
  };
}

const rotateSecret: Command = async (args, io, deps) => {
  const { values, positionals } = parseCommandArgs(args, { json: { type: "boolean" } }, one);
  const clientId = checkedClientId(positionals[0]);
  const services = await deps.services();
  const result = await rotateClientSecret(adminDeps(services), cliContext, clientId);
  printSecret(io, values.json === true, "rotated the secret of", result);
  const overlap = services.settings.clientSecretOverlapSeconds;
  if (values.json !== true && overlap > 0) {
    io.stdout(`The previous secret stays valid for ${overlap} seconds.\n`);
  }
  return 0;
};

const deleteClient: Command = async (args, io, deps) => {
  const clientId = checkedClientId(parseCommandArgs(args, {}, one).positionals[0]);
  await deleteClientRegistration(adminDeps(await deps.services()), cliContext, clientId);
  io.stdout(`deleted client ${clientId}\n`);
  return 0;
};

const subcommands = {
  add: addClient,
  list: listClients,
  show: showClient,
  disable: setDisabled(true),
  enable: setDisabled(false),
  "rotate-secret": rotateSecret,
  delete: deleteClient,
} as const satisfies Record<string, Command>;

function isSubcommand(name: string): name is keyof typeof subcommands {
  return Object.hasOwn(subcommands, name);
}

/**
 * `gatehouse clients <add|list|show|disable|enable|rotate-secret|delete> …`. A secret is printed
 * once, by `add` and `rotate-secret`, and never again; every change is written to the audit trail
 * with the actor `cli`.
 * @throws {UsageError} for an unknown subcommand, flag or argument count
 * @throws {AuthError} invalid_request (registration rules), invalid_scope, client_not_found
 */
export async function runClientsCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) throw new UsageError("missing clients subcommand");
  if (!isSubcommand(name)) throw new UsageError(`unknown clients subcommand: ${name}`);
  return subcommands[name](rest, io, deps);
}
