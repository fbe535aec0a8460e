import { abortable } from "../async/settle.ts";
import { findPodmanConnection } from "../config/podman_connections.ts";
import { ConnectionError, PodmanError } from "../errors.ts";
import { isPermissionError } from "../transport/_connection_failure.ts";
import type { Transport } from "../transport/transport.ts";
import { connectionError } from "./api_request.ts";
import { baseUrlProblem, parseBaseUrl } from "./_base_url.ts";
import { closedError } from "./_closed_error.ts";
import type { PodmanClientOptions } from "./client_options.ts";
import type { ConnectionKind } from "./requester.ts";
import {
  type Candidate,
  directEndpoint,
  discoveryCandidates,
  type Endpoint,
  isSshUrl,
  openEndpoint,
  type SshConnectOptions,
  transportFor,
} from "./_endpoints.ts";

/** A transport ready for requests, and the API version to put in their paths. */
export interface Connection {
  /** Speaks HTTP to the service. */
  transport: Transport;
  /** The libpod API version, e.g. `4.3.1`. */
  apiVersion: string;
  /** The endpoint behind the transport, when the connector opened it. */
  endpoint?: Endpoint | undefined;
  /** How the transport reaches the service. */
  kind: ConnectionKind;
}

/**
 * Finds and keeps the connection to one Podman service: a given transport or URL, a named
 * connection, or the first place discovery finds a service at. It connects on first use,
 * reopens an SSH tunnel that died, and owns every endpoint it opened until `close()`.
 */
export class Connector {
  #options: PodmanClientOptions;
  #connection: Promise<Connection> | undefined;
  #endpoints: Endpoint[] = [];
  #closed = false;
  // Aborts an SSH tunnel that is still opening when the client is closed.
  #lifetime = new AbortController();
  // Endpoints being opened (SSH tunnels), which close() waits for after aborting them.
  #opening = new Set<Promise<unknown>>();
  // The settled value of #connection, to notice an endpoint that died since.
  #current: Connection | undefined;
  // Why the given URL's transport could not be made (a missing Deno permission): every
  // operation reports it, rather than the constructor throwing.
  #unusable: unknown;

  /**
   * Takes checked options; a plain URL gets its transport now (so a malformed one fails now).
   * A missing permission does not throw here: the first operation reports it.
   */
  constructor(options: PodmanClientOptions) {
    this.#options = options;
    if (options.baseUrl !== undefined && !options.transport && !isSshUrl(options.baseUrl)) {
      try {
        this.#endpoints.push(directEndpoint(transportFor(options.baseUrl)));
      } catch (error) {
        if (!isPermissionError(error)) throw error;
        this.#unusable = error;
      }
    }
  }

  /**
   * The connection when it is made already and still alive, else `undefined` (then
   * {@linkcode Connector.connect} makes it, or says why not). Synchronous, so the per-call
   * path awaits nothing before its request when nothing is pending.
   */
  connected(): Connection | undefined {
    if (this.#closed) return undefined;
    const current = this.#current;
    if (current === undefined || (current.endpoint && !current.endpoint.isAlive())) {
      return undefined;
    }
    return current;
  }

  /** The connection, made on first call; `action` names the operation in errors. */
  connect(action: string, signal: AbortSignal | undefined): Promise<Connection> {
    if (this.#closed) return Promise.reject(closedError(action));
    if (this.#unusable !== undefined) {
      return Promise.reject(connectionError(action, this.#options.baseUrl!, this.#unusable));
    }
    const dead = this.#current?.endpoint;
    if (dead && !dead.isAlive()) {
      // The SSH tunnel went down (ssh exited): open a new one rather than fail forever.
      this.#current = undefined;
      this.#connection = undefined;
      void this.#forget(dead).catch(() => undefined);
    }
    if (this.#current) {
      // Connected already: nothing to wait for, so no abort listener to add (that costs
      // more than the rest of a short call's client-side work).
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(this.#current);
    }
    if (!this.#connection) {
      const connecting = this.#establish(action);
      this.#connection = connecting;
      connecting.then((connection) => {
        if (this.#connection === connecting) this.#current = connection;
      }, () => {
        // A failed attempt is not cached: the next operation tries again.
        if (this.#connection === connecting) this.#connection = undefined;
      });
    }
    return signal ? abortable(this.#connection, signal) : this.#connection;
  }

  /** Stops connecting, closes every endpoint and the given transport; rejects with the first failure. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lifetime.abort(closedError("Cannot connect to Podman"));
    // An SSH tunnel still opening is torn down by the abort; wait for that to finish.
    await Promise.allSettled([...this.#opening]);
    const endpoints = this.#endpoints;
    this.#endpoints = [];
    this.#options.transport?.close();
    const results = await Promise.allSettled(endpoints.map((endpoint) => endpoint.close()));
    const failure = results.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  }

  async #establish(action: string): Promise<Connection> {
    const explicit = this.#options.transport ?? this.#endpoints[0]?.transport;
    if (explicit) {
      const apiVersion = this.#options.apiVersion ?? await readApiVersion(explicit, action);
      const kind = this.#options.transport ? "transport" : kindOf(this.#options.baseUrl!);
      return { transport: explicit, apiVersion, kind };
    }
    const { baseUrl, connection } = this.#options;
    if (baseUrl !== undefined || connection !== undefined) {
      const named = connection === undefined
        ? undefined
        : await findPodmanConnection(connection, action);
      const problem = named && baseUrlProblem(named.uri);
      if (named && problem !== undefined) {
        throw new PodmanError(
          `${action}: connection "${named.name}" in ${named.source}: ${problem}`,
        );
      }
      const uri = named?.uri ?? baseUrl!;
      const endpoint = await this.#open(uri, this.#sshOptions(action, named?.identity));
      try {
        const apiVersion = this.#options.apiVersion ??
          await readApiVersion(endpoint.transport, action);
        return { transport: endpoint.transport, apiVersion, endpoint, kind: kindOf(uri) };
      } catch (error) {
        await this.#forget(endpoint);
        throw error;
      }
    }
    const failures: string[] = [];
    for (const candidate of await discoveryCandidates()) {
      const result = await this.#tryCandidate(candidate, action);
      if ("endpoint" in result) {
        return {
          transport: result.endpoint.transport,
          apiVersion: this.#options.apiVersion ?? result.apiVersion,
          endpoint: result.endpoint,
          kind: kindOf(candidate.baseUrl),
        };
      }
      failures.push(result.failure);
    }
    throw new ConnectionError(
      `${action}: no Podman service answered; looked at ${failures.join("; ")}`,
      { reason: "unreachable" },
    );
  }

  #sshOptions(action: string, identity: string | undefined): SshConnectOptions {
    return {
      identity: this.#options.identity ?? identity,
      hostKeyChecking: this.#options.sshHostKeyChecking,
      knownHostsFile: this.#options.sshKnownHostsFile,
      action,
      signal: this.#lifetime.signal,
    };
  }

  /** Opens an endpoint the connector owns from now on, unless it was closed meanwhile. */
  async #open(baseUrl: string, ssh: SshConnectOptions): Promise<Endpoint> {
    let endpoint: Endpoint;
    const opening = openEndpoint(baseUrl, ssh);
    this.#opening.add(opening);
    try {
      endpoint = await opening;
    } catch (error) {
      if (!this.#closed) throw error;
      throw closedError(ssh.action ?? "Cannot connect to Podman", error);
    } finally {
      this.#opening.delete(opening);
    }
    if (this.#closed) {
      await endpoint.close();
      throw closedError(ssh.action ?? "Cannot connect to Podman");
    }
    this.#endpoints.push(endpoint);
    return endpoint;
  }

  async #forget(endpoint: Endpoint): Promise<void> {
    this.#endpoints = this.#endpoints.filter((kept) => kept !== endpoint);
    await endpoint.close();
  }

  async #tryCandidate(
    candidate: Candidate,
    action: string,
  ): Promise<{ endpoint: Endpoint; apiVersion: string } | { failure: string }> {
    const place = `${candidate.baseUrl} (${candidate.source})`;
    if (candidate.problem !== undefined) return { failure: `${place}: ${candidate.problem}` };
    const reason = (error: unknown): string =>
      (error as Error).message.replace(`${action}: `, "")
        .replace(`cannot reach Podman at ${candidate.baseUrl}: `, "");
    let endpoint: Endpoint;
    try {
      endpoint = await this.#open(candidate.baseUrl, this.#sshOptions(action, candidate.identity));
    } catch (error) {
      if (this.#closed) throw error;
      return { failure: `${place}: ${reason(error)}` };
    }
    try {
      return { endpoint, apiVersion: await readApiVersion(endpoint.transport, action) };
    } catch (error) {
      await this.#forget(endpoint);
      return { failure: `${place}: ${reason(error)}` };
    }
  }
}

/** How a base URL the connector opened reaches the service. */
function kindOf(baseUrl: string): ConnectionKind {
  return parseBaseUrl(baseUrl).kind;
}

async function readApiVersion(transport: Transport, action: string): Promise<string> {
  let response: Response;
  try {
    response = await transport.fetch(`${transport.origin}/_ping`, { method: "GET" });
  } catch (error) {
    throw connectionError(action, transport.description, error);
  }
  await response.body?.cancel();
  const version = response.headers.get("Libpod-API-Version");
  if (!version) {
    throw new PodmanError(
      `${action}: ${transport.description} answered without a Libpod-API-Version header; ` +
        "is it a Podman service?",
    );
  }
  return version;
}
