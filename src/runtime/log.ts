// The one logger: pino JSON with secrets redacted; controllers add controller/namespace/name/reconcileID.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = 'info'): Logger {
  return pino({
    level,
    base: { component: 'autopilot' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        '*.token',
        '*.password',
        '*.authorization',
        '*.headers.authorization',
        '*.data',
        '*.stringData',
        '*.bearerToken',
      ],
      censor: '[redacted]',
    },
  });
}
