import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';

export type { Logger };

/**
 * One JSON logger for the process. Credentials and personal data never reach it: request
 * logs carry method, route and status, and these paths are redacted if they ever appear.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.email', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  });
}
