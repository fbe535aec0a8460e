/** What a libpod error body says, or the body's text when it is not libpod JSON. */
export function explainBody(text: string): { explanation: string; serverCause?: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object") {
      const { message, cause } = body as Record<string, unknown>;
      if (typeof message === "string" && message !== "") {
        return typeof cause === "string" && cause !== ""
          ? { explanation: message, serverCause: cause }
          : { explanation: message };
      }
    }
  } catch {
    // Not JSON: a plain-text or HTML error page; its text is the explanation.
  }
  return { explanation: text.trim().replace(/\s+/g, " ").slice(0, 500) };
}
