// Why the HTTP listener could not open, told in terms of HOST and PORT.
import type { Settings } from "./config.ts";
import { errorCode, StartupError } from "./startup-error.ts";

type ListenAddress = Pick<Settings, "host" | "port">;

const hostFix = "set HOST (or --host) to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0";

const explanations: Readonly<Record<string, (at: ListenAddress) => string>> = {
  EADDRINUSE: ({ host, port }) =>
    `port ${port} on ${host} is in use; set PORT (or --port) to a free port`,
  EACCES: ({ host, port }) =>
    `port ${port} on ${host} needs privileges this process lacks; set PORT (or --port) to 1024 or above`,
  EADDRNOTAVAIL: ({ host }) => `HOST ${host} is not an address of this machine; ${hostFix}`,
  EAFNOSUPPORT: ({ host }) => `HOST ${host} is of an address family this machine lacks; ${hostFix}`,
  ENOTFOUND: ({ host }) => `HOST ${host} does not resolve to an address; ${hostFix}`,
  EAI_AGAIN: ({ host }) => `HOST ${host} could not be resolved (name lookup failed); ${hostFix}`,
  EAI_NONAME: ({ host }) => `HOST ${host} does not resolve to an address; ${hostFix}`,
};

/**
 * A {@link StartupError} naming HOST or PORT for a listen failure whose cause is known (the port
 * taken or privileged, the host not this machine's or not resolvable); `undefined` otherwise.
 */
export function explainListenFailure(error: unknown, at: ListenAddress): StartupError | undefined {
  const code = errorCode(error);
  const explain =
    code !== undefined && Object.hasOwn(explanations, code) ? explanations[code] : undefined;
  return explain === undefined ? undefined : new StartupError(explain(at), { cause: error });
}
