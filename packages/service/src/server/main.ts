// The server process's entry (`npm start`, and each cluster worker): checks the Node.js release
// before loading anything that needs it, so an older one prints a line instead of a stack.
import { exitOnUnsupportedNode } from "./node-version.ts";

exitOnUnsupportedNode();
const { runServerProcess } = await import("./start-server.ts");
await runServerProcess();
