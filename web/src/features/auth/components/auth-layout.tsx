import type { ReactNode } from 'react';
import { usePageTitle } from '../../../lib/use-page-title';

export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  usePageTitle(title);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="auth-card__brand">
          <span className="brand__mark" aria-hidden="true" style={{ color: '#fff' }}>
            L
          </span>
          LeadAI
        </div>
        <h1 className="auth-card__title">{title}</h1>
        {subtitle && <p className="muted" style={{ marginBottom: 20 }}>{subtitle}</p>}
        {children}
        {footer && <div className="auth-card__footer">{footer}</div>}
      </div>
    </main>
  );
}
