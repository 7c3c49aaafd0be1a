/** The job queue of conversation analysis (its own file: naming it must not load the analyser). */
export const ANALYSIS_QUEUE = 'analysis.conversations';
