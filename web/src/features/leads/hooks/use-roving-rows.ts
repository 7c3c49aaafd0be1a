import type { Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type FocusEvent, type KeyboardEvent, type RefObject } from 'react';

/** The attribute rows carry so keyboard events and focus can find their index. */
export const ROW_INDEX_ATTRIBUTE = 'data-row-index';

function rowIndexOf(element: Element | null): number | undefined {
  const row = element?.closest(`[${ROW_INDEX_ATTRIBUTE}]`);
  const value = row?.getAttribute(ROW_INDEX_ATTRIBUTE);
  return value === null || value === undefined ? undefined : Number(value);
}

/** Keys pressed in form controls inside a row belong to the control (a checkbox's Space, a field's Home). */
const isFormControl = (target: EventTarget) => target instanceof HTMLElement && target.matches('input, select, textarea, button, [contenteditable="true"]');

export interface RovingRows {
  /** tabIndex for the row at this index: 0 for the grid's one tab stop, -1 for the rest. */
  tabIndexOf: (index: number) => 0 | -1;
  onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
  onFocus: (e: FocusEvent<HTMLElement>) => void;
  /** Forget the position (a new list). */
  reset: () => void;
}

/**
 * Roving focus over a virtualised list of rows: one row is the tab stop; Up/Down, Page
 * Up/Down and Home/End move it (Ctrl+Home/End too, as grids do) and scroll the row into
 * view, rendering it first when the virtualiser had not; Enter and Space call back for the
 * focused row. The focus moves only after the row exists in the DOM, which for a row far
 * away is a render or two after the scroll.
 */
export function useRovingRows({ count, virtualizer, scroller, onOpen, onToggle }: {
  count: number;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
  scroller: RefObject<HTMLDivElement | null>;
  onOpen: (index: number) => void;
  onToggle: (index: number) => void;
}): RovingRows {
  const [active, setActive] = useState(0);
  const pendingFocus = useRef<number | null>(null);
  const current = Math.min(active, Math.max(count - 1, 0));
  const rendered = virtualizer.getVirtualItems();
  // When the active row has scrolled out of the rendered range, the first rendered row
  // takes the tab stop so Tab still lands in the grid.
  const tabStop = rendered.some((item) => item.index === current) ? current : (rendered.find((item) => item.index < count)?.index ?? current);

  const moveTo = useCallback(
    (index: number) => {
      if (count === 0) return;
      const next = Math.max(0, Math.min(count - 1, index));
      setActive(next);
      pendingFocus.current = next;
      virtualizer.scrollToIndex(next, { align: 'auto' });
    },
    [count, virtualizer],
  );

  // After every render: focus the row asked for once the virtualiser has rendered it.
  useEffect(() => {
    const index = pendingFocus.current;
    if (index === null) return;
    const row = scroller.current?.querySelector<HTMLElement>(`[${ROW_INDEX_ATTRIBUTE}="${index}"]`);
    if (!row) return;
    pendingFocus.current = null;
    row.focus();
  });

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    const index = rowIndexOf(e.target as Element);
    if (index === undefined || e.altKey || e.metaKey) return;
    const onRow = (e.target as Element).hasAttribute(ROW_INDEX_ATTRIBUTE);
    if (!onRow && isFormControl(e.target)) return;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 440) / virtualizer.options.estimateSize(0)) - 1);
    switch (e.key) {
      case 'ArrowDown':
        moveTo(index + 1);
        break;
      case 'ArrowUp':
        moveTo(index - 1);
        break;
      case 'PageDown':
        moveTo(index + page);
        break;
      case 'PageUp':
        moveTo(index - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(count - 1);
        break;
      case 'Enter':
        // On a link inside the row, Enter is the link's own.
        if (!onRow) return;
        onOpen(index);
        break;
      case ' ':
        if (!onRow) return;
        onToggle(index);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  // Focus that arrives by Tab or a click inside a row makes that row the active one.
  const onFocus = (e: FocusEvent<HTMLElement>) => {
    const index = rowIndexOf(e.target as Element);
    if (index !== undefined && index !== active) setActive(index);
  };

  const reset = useCallback(() => {
    setActive(0);
    pendingFocus.current = null;
  }, []);

  return { tabIndexOf: (index) => (index === tabStop ? 0 : -1), onKeyDown, onFocus, reset };
}
