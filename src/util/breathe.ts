/**
 * Yields to the event loop (a macrotask, so I/O callbacks and timers run),
 * for long loops that would otherwise block it.
 */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
