// `gatehouse keys …`: list the signing keys and rotate them. Never prints private material.

import { rotateSigningKey } from "gatehouse-auth-core/keys/key-rotation";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import { signingAlgorithms, signingKeyStatus } from "gatehouse-auth-core/keys/signing-keys";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { Command } from "../command.ts";
import { formatTable as layOutTable } from "../text-table.ts";

const none = { min: 0, max: 0 } as const;

/** A key as the operator sees it: identity, algorithm, status and times — no secret. */
function describeKey(key: SigningKeyRecord, now: number) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    status: signingKeyStatus(key, now),
    createdAt: new Date(key.createdAt).toISOString(),
    activatedAt: new Date(key.activatedAt).toISOString(),
    retiresAt: key.retiresAt === null ? null : new Date(key.retiresAt).toISOString(),
  };
}

function formatTable(keys: readonly ReturnType<typeof describeKey>[]): string {
  const rows = [
    ["KID", "ALG", "STATUS", "CREATED", "RETIRES"],
    ...keys.map((key) => [key.kid, key.algorithm, key.status, key.createdAt, key.retiresAt ?? ""]),
  ];
  return layOutTable(rows);
}

const listKeys: Command = async (args, io, deps) => {
  const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, none);
  const services = await deps.services();
  const now = services.clock.now();
  const keys = (await services.store.signingKeys.listSigningKeys()).map((key) =>
    describeKey(key, now),
  );
  io.stdout(values.json === true ? `${JSON.stringify(keys, null, 2)}\n` : formatTable(keys));
  if (services.settings.jwtSecret !== undefined) {
    io.stderr("note: GATEHOUSE_JWT_SECRET is set, so tokens are signed with it, not these keys\n");
  }
  return 0;
};

function isSigningAlgorithm(name: string): name is (typeof signingAlgorithms)[number] {
  return (signingAlgorithms as readonly string[]).includes(name);
}

const rotateKeys: Command = async (args, io, deps) => {
  const { values } = parseCommandArgs(args, { algorithm: { type: "string" } }, none);
  const settings = deps.settings();
  if (settings.jwtSecret !== undefined) {
    throw new RangeError(
      "GATEHOUSE_JWT_SECRET is set, so the signing key comes from the environment: change the secret there, or unset it to use stored, rotatable keys",
    );
  }
  const algorithm = values.algorithm ?? settings.signingAlgorithm;
  if (!isSigningAlgorithm(algorithm)) {
    throw new UsageError(`--algorithm must be one of ${signingAlgorithms.join(", ")}`);
  }
  const services = await deps.services();
  const rotation = await rotateSigningKey(
    { store: services.store.signingKeys, clock: services.clock },
    {
      algorithm,
      tokenLifetimeSeconds: settings.accessTokenLifetimeSeconds,
    },
  );
  const until = new Date(rotation.previousRetireAt).toISOString();
  io.stdout(
    `new signing key ${rotation.key.kid} (${rotation.key.algorithm}) is active; ` +
      `the previous keys verify until ${until}, then retire\n`,
  );
  return 0;
};

const subcommands = { list: listKeys, rotate: rotateKeys } as const satisfies Record<
  string,
  Command
>;

function isSubcommand(name: string): name is keyof typeof subcommands {
  return Object.hasOwn(subcommands, name);
}

/**
 * `gatehouse keys list [--json]` and `gatehouse keys rotate [--algorithm EdDSA|ES256|HS256]`.
 * Running servers pick a rotation up within their key refresh interval, and at once when they
 * meet a token signed by the new key.
 * @throws {UsageError} for an unknown subcommand, flag, argument or algorithm
 * @throws {RangeError} from `rotate` when a configured GATEHOUSE_JWT_SECRET is the key
 */
export const runKeysCommand: Command = async (args, io, deps) => {
  const [name, ...rest] = args;
  if (name === undefined) throw new UsageError("missing keys subcommand");
  if (!isSubcommand(name)) throw new UsageError(`unknown keys subcommand: ${name}`);
  return subcommands[name](rest, io, deps);
};
