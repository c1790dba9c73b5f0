/** One logger for the server: a namespace per module, a context object per line, level from LOG_LEVEL. */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'silent'>;

const threshold = LEVELS[(process.env.LOG_LEVEL as keyof typeof LEVELS | undefined) ?? 'info'] ?? LEVELS.info;

export type Logger = Record<Level, (message: string, context?: Record<string, unknown>) => void>;

function write(level: Level, namespace: string, message: string, context?: Record<string, unknown>): void {
  if (LEVELS[level] < threshold) return;
  const time = new Date().toISOString();
  const extra = context ? ` ${JSON.stringify(context, errorReplacer)}` : '';
  const line = `${time} ${level.toUpperCase().padEnd(5)} [${namespace}] ${message}${extra}\n`;
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line);
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

export function createLogger(namespace: string): Logger {
  return {
    debug: (message, context) => write('debug', namespace, message, context),
    info: (message, context) => write('info', namespace, message, context),
    warn: (message, context) => write('warn', namespace, message, context),
    error: (message, context) => write('error', namespace, message, context),
  };
}
