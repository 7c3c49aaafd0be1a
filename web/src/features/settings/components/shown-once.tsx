import type { ReactNode } from 'react';
import { CopyButton } from './copy-button';

/**
 * Something the server shows only once (a new API key, an invitation link): what it is, the
 * value with a copy button, and anything that follows (how to use it, a way to hide it).
 */
export function ShownOnce({ value, valueLabel, copyLabel, children, footer }: { value: string; valueLabel: string; copyLabel: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="alert alert--good secret" role="status">
      <div>{children}</div>
      <div className="secret__row">
        <code className="secret__value" aria-label={valueLabel}>
          {value}
        </code>
        <CopyButton text={value} label={copyLabel} />
      </div>
      {footer}
    </div>
  );
}
