/** The band chart's colours, shared with its legend (which loads before the chart's own chunk). */
export const BAND_COLOURS = { band: 'rgba(67, 56, 202, 0.16)', median: '#4338ca', actual: '#c2410c', today: '#8d94a6' } as const;
