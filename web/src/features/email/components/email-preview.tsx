import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { usePreview } from '../api/email';

/**
 * A message as a lead would read it: subject, text, and the HTML part in a sandboxed frame
 * (no scripts, no same-origin access), rendered by the server for a lead or a sample lead.
 */
export function EmailPreview({ draft }: { draft: { subject: string; body_text: string; body_html: string | null; lead_id?: string | undefined } | null }) {
  const preview = usePreview(draft);
  if (!draft) return <p className="muted">Write a subject and a text to see the preview.</p>;
  if (preview.error) return <ErrorMessage error={preview.error} title="No preview" />;
  if (!preview.data) return <SkeletonBlock lines={3} label="Rendering the preview" />;
  const p = preview.data;
  return (
    <div className="stack stack--sm" aria-live="polite">
      {p.problems.length > 0 && (
        <div className="alert alert--error" role="alert">
          {p.problems.map((x) => <p key={x.field + x.message}>{x.message}</p>)}
        </div>
      )}
      <div className="email-preview" aria-label="Preview">
        <p className="email-preview__subject">{p.subject}</p>
        <pre className="email-preview__text">{p.body_text}</pre>
      </div>
      {draft.body_html && (
        <div className="email-preview" aria-label="HTML preview">
          <iframe title="HTML preview" sandbox="" srcDoc={p.body_html} />
        </div>
      )}
    </div>
  );
}
