/**
 * Case 9, cold start (raw): one `fetch` of the same inspect on the socket. Timed as a whole
 * process by the runner.
 *
 * Params: `{ socketPath, image, apiVersion }`.
 *
 * @module
 */

const params = JSON.parse(Deno.args[0]!) as {
  socketPath: string;
  image: string;
  apiVersion: string;
};
const client = Deno.createHttpClient({ proxy: { transport: "unix", path: params.socketPath } });
const response = await fetch(
  `http://libpod/v${params.apiVersion}/libpod/images/${encodeURIComponent(params.image)}/json`,
  { client },
);
const attrs = await response.json() as { Id?: string };
client.close();
if (!attrs.Id) throw new Error("no image");
