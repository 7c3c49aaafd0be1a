import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from '../config.ts';

export type { Logger };

export interface LoggerOptions {
  /**
   * Lines for a person instead of JSON. Default: when standard output is a terminal. A
   * pipe, a file or a container's log collector gets JSON, one object a line.
   */
  pretty?: boolean;
}

/** Loggers that leave out a line per HTTP request (see logsRequests). */
const quietRequests = new WeakSet<Logger>();

/**
 * One logger for the process. Credentials and personal data never reach it: request logs
 * carry method, route and status, and these paths are redacted if they ever appear.
 *
 * In a terminal it prints short coloured lines and no line per request (two JSON lines for
 * every request the web app makes buried the sign-in banner); LOG_LEVEL=debug brings them
 * back. Anywhere else it writes JSON with every request, for machines.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const settings: pino.LoggerOptions = {
    level: config.logLevel,
    // No client address and no query string: both can be personal data (an IP, a searched
    // name). The route and method are enough to follow a request.
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.email', '*.secret', '*.pass', '*.accessToken', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
  // Synchronous writes to standard output: pino's default asynchronous destination calls a
  // flush's callback at once while a write is still in flight (minLength 0), so the banner
  // printed after flushLogger could come out before the start-up logs in a pipe.
  if (!pretty) return pino(settings, pino.destination({ dest: 1, sync: true }));
  // Synchronous, in this thread: a person's terminal sees the lines in the order they happened.
  // One line per entry (its fields as compact JSON); colours unless NO_COLOR.
  const logger = pino(settings, pinoPretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId' }));
  if (!logger.isLevelEnabled('debug')) quietRequests.add(logger);
  return logger;
}

/** Whether the HTTP server should log each request (see createLogger). */
export function logsRequests(logger: Logger): boolean {
  return !quietRequests.has(logger);
}

/** Writes out what the logger still holds, so what is printed next comes after it. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
