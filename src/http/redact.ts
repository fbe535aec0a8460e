const REDACTED = "[redacted]";

/** Replaces every secret in a text with a fixed marker. */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets) return text;
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * A parsed JSON value with every secret redacted from every string in it (keys included);
 * the value itself when there are no secrets, so streams without credentials cost nothing.
 */
export function redactJson(value: unknown, secrets: readonly string[] | undefined): unknown {
  if (!secrets || secrets.length === 0) return value;
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, secrets));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redact(key, secrets), redactJson(item, secrets)]),
  );
}
