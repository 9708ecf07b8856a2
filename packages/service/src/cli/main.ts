#!/usr/bin/env -S node --max-semi-space-size=16
// The `gatehouse` command's entry: checks the Node.js release before loading anything that needs
// it, so an older one prints a line instead of a stack.
import { exitOnUnsupportedNode } from "../server/node-version.ts";

exitOnUnsupportedNode();
const { runCliProcess } = await import("./run-cli.ts");
await runCliProcess();
