// Prints docs/configuration.md, rendered from the configuration schema; with a path, writes it there.
// `npm run docs:config` runs it from the repository root.
import { writeFileSync } from "node:fs";
import { renderConfigurationDocs } from "../src/service/configuration-docs.ts";

const [target] = process.argv.slice(2);
const markdown = renderConfigurationDocs();
if (target === undefined) process.stdout.write(markdown);
else writeFileSync(target, markdown);
