/**
 * podrx on Deno, from source (mod.ts, the project's import map), running the same cases as on
 * Node and Bun (podrx_cases.mjs).
 *
 * ```sh
 * deno run -A bench/runtimes/podrx_deno.ts CASE '{"socketPath": "..."}'
 * ```
 *
 * @module
 */

import * as podrx from "../../mod.ts";
import { caseArgs } from "./_report.mjs";
import { runCase } from "./podrx_cases.mjs";

const { name, params } = caseArgs(Deno.args);
await runCase(podrx, name, params);
