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
    // No client address and no query string: both can be personal data (an IP, a searched
    // name). The route and method are enough to follow a request.
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.email', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  });
}
