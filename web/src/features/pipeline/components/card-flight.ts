/**
 * A teammate's move, animated (FLIP): where the card was is measured when the stream
 * announces the move, before anything re-renders; when the card mounts in its new column it
 * is drawn back at the old spot and glides to the new one. A card that was not on screen
 * before simply appears, highlighted.
 */
const origins = new Map<string, { rect: DOMRect | null; at: number }>();
const FRESH_MS = 5000;
const FLIGHT_MS = 450;
const HIGHLIGHT_MS = 2500;

/** Call when the stream says a card will move: remembers where it is now. */
export function rememberOrigin(leadId: string) {
  const card = document.querySelector(`.board [data-lead-id="${CSS.escape(leadId)}"]`);
  origins.set(leadId, { rect: card?.getBoundingClientRect() ?? null, at: Date.now() });
}

/** The board is left: a card mounting on the next visit must not fly from an old spot. */
export function forgetOrigins() {
  origins.clear();
}

/** Call when a card mounts (before paint): flies it in from its remembered place, if any. */
export function landCard(element: HTMLElement, leadId: string) {
  const origin = origins.get(leadId);
  if (!origin) return;
  origins.delete(leadId);
  if (Date.now() - origin.at > FRESH_MS) return;
  // Not under the transition: React leaves data-* it does not render alone, unlike className.
  element.dataset.arrived = 'true';
  setTimeout(() => delete element.dataset.arrived, HIGHLIGHT_MS);
  const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (!origin.rect || reduced) return;
  const now = element.getBoundingClientRect();
  const dx = origin.rect.left - now.left;
  const dy = origin.rect.top - now.top;
  if (Math.abs(dx) < 1 && Math.abs(dy) < 1) return;
  // The flight is drawn by a stand-in above the page: the card itself would be clipped by the
  // scrolling column it leaves and the one it enters.
  const ghost = element.cloneNode(true) as HTMLElement;
  ghost.removeAttribute('data-lead-id');
  ghost.setAttribute('aria-hidden', 'true');
  ghost.inert = true;
  Object.assign(ghost.style, {
    position: 'fixed', left: `${now.left}px`, top: `${now.top}px`, width: `${now.width}px`, height: `${now.height}px`,
    margin: '0', zIndex: '50', pointerEvents: 'none', listStyle: 'none', boxShadow: 'var(--shadow-lg)',
  });
  document.body.appendChild(ghost);
  element.style.visibility = 'hidden';
  const flight = ghost.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: 'none' }], { duration: FLIGHT_MS, easing: 'cubic-bezier(0.2, 0.7, 0.2, 1)' });
  const land = () => {
    ghost.remove();
    element.style.visibility = '';
  };
  flight.onfinish = land;
  flight.oncancel = land;
}
