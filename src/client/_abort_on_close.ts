/**
 * Controllers the client aborts itself when it closes: a request whose signal is one of these
 * is aborted by the client through the controller itself (on `close()`), instead of through a
 * controller of its own linked to the signal by a listener. An operation makes one controller
 * per subscription anyway; handing it over spares every request an `AbortController` and an
 * abort listener, which took about a fifth of a short call's client-side time in a new process.
 *
 * Only for a controller whose owner treats any abort of it as the end of everything the
 * signal covers (an operation's does).
 *
 * Named for what the client does with the controller (aborts it on close), not for the
 * lending: these were `lendController` and `lentController`, which said who holds the
 * controller but not why.
 */
const abortedOnClose = new WeakMap<AbortSignal, AbortController>();

/** Lets the client abort `controller` for requests made with its signal; returns the signal. */
export function abortOnClose(controller: AbortController): AbortSignal {
  abortedOnClose.set(controller.signal, controller);
  return controller.signal;
}

/** The controller registered with `signal` by {@linkcode abortOnClose}, if any. */
export function controllerAbortedOnClose(
  signal: AbortSignal | undefined,
): AbortController | undefined {
  return signal && abortedOnClose.get(signal);
}
