/**
 * A handful of 20px line icons, inline SVG (no icon library: a few hundred bytes, nothing to
 * load). Decorative: the control or text next to them carries the name.
 */
const paths = {
  dashboard: 'M3 3h6v8H3zM11 3h6v5h-6zM11 10h6v7h-6zM3 13h6v4H3z',
  leads: 'M7 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM1.5 17c0-3 2.5-5 5.5-5s5.5 2 5.5 5M14 8.5a2.5 2.5 0 1 0 0-5M15 12c2 .4 3.5 2.2 3.5 5',
  pipeline: 'M3 3h4v14H3zM8.5 3h4v10h-4zM14 3h3v6h-3z',
  team: 'M2 17.5h16M4 17.5V11M8.5 17.5V6M13 17.5V9M17 17.5V3.5',
  insights: 'M10 2a5.5 5.5 0 0 0-3 10.1V14h6v-1.9A5.5 5.5 0 0 0 10 2zM7.5 17h5',
  settings: 'M10 7a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM10 1.5v2.5M10 16v2.5M1.5 10H4M16 10h2.5M4 4l1.8 1.8M14.2 14.2 16 16M4 16l1.8-1.8M14.2 5.8 16 4',
  user: 'M10 9a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM3 18c0-3.5 3-6 7-6s7 2.5 7 6',
  chevronDown: 'M5 8l5 5 5-5',
  bell: 'M5 13.5V9a5 5 0 0 1 10 0v4.5l1.5 2h-13zM8 17.5a2 2 0 0 0 4 0',
  search: 'M8.5 14a5.5 5.5 0 1 0 0-11 5.5 5.5 0 0 0 0 11zM12.5 12.5 17 17',
  plus: 'M10 4v12M4 10h12',
  upload: 'M10 13V3M6 7l4-4 4 4M3 14v3h14v-3',
  download: 'M10 3v10M6 9l4 4 4-4M3 14v3h14v-3',
  close: 'M5 5l10 10M15 5 5 15',
  menu: 'M3 5h14M3 10h14M3 15h14',
  arrowUp: 'M10 16V4M5 9l5-5 5 5',
  arrowDown: 'M10 4v12M5 11l5 5 5-5',
  check: 'M4 10.5l4 4 8-9',
  copy: 'M7 7h9v10H7zM4 13V3h9',
  move: 'M10 2v16M2 10h16M7 5l3-3 3 3M7 15l3 3 3-3M5 7l-3 3 3 3M15 7l3 3-3 3',
  // The timeline's kinds of event.
  phone: 'M6.5 2.5h-2a2 2 0 0 0-2 2c0 7 6 13 13 13a2 2 0 0 0 2-2v-2l-3.5-1.5-2 2a10 10 0 0 1-5-5l2-2z',
  mail: 'M2.5 4.5h15v11h-15zM2.5 5l7.5 6 7.5-6',
  calendar: 'M3 4.5h14v12.5H3zM3 8.5h14M7 2.5v4M13 2.5v4',
  monitor: 'M2.5 3.5h15v10h-15zM7 17h6M10 13.5V17',
  fileText: 'M5 2.5h7l3.5 3.5v11.5H5zM12 2.5V6h3.5M7.5 10h5M7.5 13h5',
  task: 'M3 3h14v14H3zM6.5 10l2.5 2.5 4.5-5',
  message: 'M3 4h14v9H8l-4 3.5V13H3z',
  globe: 'M10 2.5a7.5 7.5 0 1 0 0 15 7.5 7.5 0 0 0 0-15zM2.5 10h15M10 2.5c2.2 2 3.2 4.6 3.2 7.5s-1 5.5-3.2 7.5M10 2.5C7.8 4.5 6.8 7.1 6.8 10s1 5.5 3.2 7.5',
  trendingUp: 'M2.5 14.5l5-5 3 3 7-7M12.5 5.5h5v5',
  trendingDown: 'M2.5 5.5l5 5 3-3 7 7M12.5 14.5h5v-5',
  clock: 'M10 2.5a7.5 7.5 0 1 0 0 15 7.5 7.5 0 0 0 0-15zM10 6v4l3 2',
  share: 'M14.5 6.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM5.5 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM14.5 18.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM7.7 11.2l4.6 2.6M12.3 6.2 7.7 8.8',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={paths[name]} />
    </svg>
  );
}
