/** The client's one logger: a namespace per module; warnings and errors only reach the console. */
export function createLogger(namespace: string) {
  return {
    warn: (message: string, context?: unknown) => console.warn(`[${namespace}] ${message}`, context ?? ''),
    error: (message: string, context?: unknown) => console.error(`[${namespace}] ${message}`, context ?? ''),
  };
}
