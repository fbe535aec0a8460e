/**
 * podrx on Node or Bun, as their users get it: the npm build, installed from the packed
 * tarball (podrx.tgz) into the runner's copy of this project, imported by its name.
 *
 * ```sh
 * node podrx_npm.mjs CASE '{"socketPath": "..."}'
 * ```
 *
 * @module
 */

import * as podrx from "@podrx/podrx";
import process from "node:process";
import { caseArgs } from "./_report.mjs";
import { runCase } from "./podrx_cases.mjs";

const { name, params } = caseArgs(process.argv.slice(2));
await runCase(podrx, name, params);
