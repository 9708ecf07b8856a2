// V8's heap settings for a long-running server whose live heap is small (about 20 MiB).
import { setFlagsFromString } from "node:v8";

/**
 * The node flags every server launch passes (`npm start`, the `gatehouse` command's shebang, and
 * through them each cluster worker): a young generation capped at 16 MiB per semi-space. Left to
 * itself, V8 doubles it once a steady load has run for a minute or two, which alone put 32 MiB on
 * the RSS of a server holding the same live objects (issue 6 soak).
 */
export const serverNodeFlags = ["--max-semi-space-size=16"] as const;

/**
 * Tunes the running isolate: the old generation may grow 30 % past what the last full collection
 * kept, instead of V8's up to 4× for a small heap, so the garbage between collections stays a few
 * MiB rather than tens. A full collection of a 20 MiB heap costs a few milliseconds, and comes
 * about every 15 s under a steady load. This flag is read at each collection, so it can be set
 * once the process runs.
 */
export function tuneHeapForService(): void {
  setFlagsFromString("--heap-growing-percent=30");
}
