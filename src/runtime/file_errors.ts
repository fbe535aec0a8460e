/**
 * What went wrong with a file or a process start, asked the same way on every runtime: Deno
 * throws its own error classes (`Deno.errors.NotFound`), Node and Bun throw errors with a
 * `code` (`ENOENT`).
 *
 * @module
 */
import { RUNTIME } from "./runtime_name.ts";

type DenoErrorName =
  | "NotFound"
  | "AlreadyExists"
  | "PermissionDenied"
  | "NotCapable"
  | "IsADirectory";

function isDenoError(error: unknown, name: DenoErrorName): boolean {
  if (RUNTIME !== "deno") return false;
  const kind = (globalThis as { Deno?: { errors: Record<string, unknown> } }).Deno?.errors[name];
  return typeof kind === "function" && error instanceof kind;
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && codes.includes(code);
}

/** Whether the path (or the program to start) does not exist. */
export function isNotFound(error: unknown): boolean {
  return isDenoError(error, "NotFound") || hasCode(error, "ENOENT");
}

/** Whether the path exists already (a file opened with `createNew`). */
export function isAlreadyExists(error: unknown): boolean {
  return isDenoError(error, "AlreadyExists") || hasCode(error, "EEXIST");
}

/** Whether the operating system refused access. */
export function isPermissionDenied(error: unknown): boolean {
  return isDenoError(error, "PermissionDenied") || hasCode(error, "EACCES", "EPERM");
}

/** Whether Deno's permissions refused it (run without `--allow-read`, say); never elsewhere. */
export function isNotCapable(error: unknown): boolean {
  return isDenoError(error, "NotCapable");
}

/** Whether a path that should be a file is a directory. */
export function isDirectoryError(error: unknown): boolean {
  return isDenoError(error, "IsADirectory") || hasCode(error, "EISDIR");
}

/**
 * Whether an error came from the file system or the operating system (any of Deno's error
 * classes, or a Node error with a system `code`), rather than from podrx or the service.
 */
export function isSystemError(error: unknown): boolean {
  if (RUNTIME === "deno") {
    const errors = (globalThis as { Deno?: { errors: Record<string, unknown> } }).Deno?.errors;
    return Object.values(errors ?? {}).some((kind) =>
      typeof kind === "function" && error instanceof kind
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code);
}
