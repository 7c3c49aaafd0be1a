import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A modal <dialog> opened and closed by `open` (Escape and the footer's Cancel call onClose): the app's one dialog frame. */
export function Dialog({ open, onClose, title, children, footer }: { open: boolean; onClose: () => void; title: ReactNode; children: ReactNode; footer: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      <div className="dialog__header">
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
      </div>
      <div className="dialog__body stack">{children}</div>
      <div className="dialog__footer">{footer}</div>
    </dialog>
  );
}
