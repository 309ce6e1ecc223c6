/** Structured logging: one JSON object per line on stderr. */

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: Level = (process.env.ONEBOX_LOG_LEVEL as Level | undefined) ?? 'info';

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (order[level] < order[threshold]) return;
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
}

/** The process-wide logger. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  /** Whether messages of `level` are written (to skip building fields nobody reads). */
  writes: (level: Level) => order[level] >= order[threshold],
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
  /** Changes the minimum level that is written. */
  setLevel: (level: Level) => {
    threshold = level;
  },
};
