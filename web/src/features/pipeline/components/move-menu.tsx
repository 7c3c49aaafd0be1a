import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { LeadStatus } from '../../../api/types';

/**
 * The keyboard way to move a card: a menu button listing the other columns. Arrow keys move
 * between items, Enter picks, Escape closes and returns focus to the button.
 */
export function MoveMenu({
  leadName, current, options, label, onMove, focus = false, onFocused,
}: {
  leadName: string; current: LeadStatus; options: readonly LeadStatus[]; label: (s: LeadStatus) => string; onMove: (to: LeadStatus) => void;
  /** Take the focus (this card was just moved from the keyboard and is a new element). */
  focus?: boolean; onFocused?: () => void;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const targets = options.filter((s) => s !== current);

  // While asked to hold the focus (just moved from the keyboard), take it back whenever it
  // falls to the page: a live refetch that reorders the column moves this element in the DOM,
  // and a moved element loses focus. Focus the user put elsewhere is left alone.
  const told = useRef(false);
  useLayoutEffect(() => {
    if (!focus) {
      told.current = false;
      return;
    }
    const active = document.activeElement;
    if (!told.current || active === null || active === document.body) button.current?.focus();
    if (!told.current) {
      told.current = true;
      onFocused?.();
    }
  });

  useEffect(() => {
    if (!open) return;
    list.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const onClick = (e: MouseEvent) => {
      if (!list.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', onClick);
    return () => document.removeEventListener('mousedown', onClick);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const items = [...(list.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      if (e.key === 'Escape') e.preventDefault();
      close();
    }
  };

  return (
    <div className="move-menu">
      <button
        ref={button}
        type="button"
        className="btn btn--ghost btn--sm"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={`Move ${leadName} to another status`}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        Move
      </button>
      {open && (
        <ul ref={list} id={id} role="menu" aria-label={`Move ${leadName} to`} className="menu__list move-menu__list" onKeyDown={onKeyDown}>
          {targets.map((s) => (
            <li key={s} role="none">
              <button
                type="button"
                role="menuitem"
                className="menu__item"
                onClick={() => {
                  close();
                  onMove(s);
                }}
              >
                {label(s)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
