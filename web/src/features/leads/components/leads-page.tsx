import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { Lead } from '../../../api/types';
import { Button } from '../../../components/button';
import { EmptyState, ErrorMessage, Skeleton } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
import { PageHeader } from '../../../components/page';
import { toSearchParams, type QueryParams } from '../../../lib/api-client';
import { formatNumber } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useDebouncedValue } from '../../../lib/use-debounced-value';
import { useLeadCount } from '../api/lead-count-api';
import { useCustomFields, useLeadPages, useTeams, useUsers } from '../api/leads-api';
import { useRovingRows } from '../hooks/use-roving-rows';
import { BulkBar } from './bulk-bar';
import { BASE_COLUMNS, customFieldColumn, DEFAULT_COLUMNS, type Column } from './lead-columns';
import { FILTER_KEYS, LeadFilters } from './lead-filters';
import { LeadRow, LoadingRow } from './lead-row';
import { SavedViews } from './saved-views';
import { ErasureNotice } from '../../privacy/components/erasure-notice';
import '../../../styles/workspace.css';
import '../../../styles/leads-list.css';

const ROW_HEIGHT = 44;
const CHECKBOX_COLUMN = 44;

/** Where a lead stands; the list opens on the open ones ("who do I call next"). */
const OUTCOMES = [
  { value: 'open', label: 'Open' },
  { value: 'won', label: 'Won' },
  { value: 'lost', label: 'Lost' },
  { value: 'all', label: 'All' },
] as const;
const DEFAULT_OUTCOME = 'open';

/** "about 980,000": an estimate said with two significant digits, not as if counted. */
function leadCountText(count: { count: number; exact: boolean; best: boolean } | undefined, outcome: string, matching: boolean): string {
  if (!count) return 'Everyone in your pipeline';
  const n = count.exact ? count.count : Number(count.count.toPrecision(2));
  const what = outcome === 'all' ? '' : `${outcome} `;
  // A relevance-ranked search shows one page of its best matches, typos included: say so.
  if (count.best && n > 1) return `Best ${formatNumber(n)} matches${outcome === 'all' ? '' : ` among ${outcome} leads`}`;
  if (count.best && n === 0) return `No ${what}leads match`;
  const noun = n === 1 && count.exact ? 'lead' : 'leads';
  return `${count.exact ? '' : 'about '}${formatNumber(n)} ${what}${noun}${matching ? (n === 1 && count.exact ? ' matches' : ' match') : ''}`;
}

/** The table's narrowest width: below it the table scrolls sideways in its own box. */
const minWidthOf = (columns: Column[]) => CHECKBOX_COLUMN + columns.reduce((sum, c) => sum + Number(/(\d+)px/.exec(c.width)?.[1] ?? 100), 0);
const COLUMNS_STORAGE = 'leadai.leads.columns';

function loadColumns(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMNS_STORAGE) ?? 'null') as unknown;
    return Array.isArray(saved) && saved.every((s) => typeof s === 'string') ? saved : DEFAULT_COLUMNS;
  } catch {
    return DEFAULT_COLUMNS;
  }
}

export function LeadsPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const navigate = useNavigate();
  const canImport = useCan('imports:write');
  const [search, setSearch] = useState(searchParams.get('q') ?? '');
  // 150 ms: the server answers a prefix search over 100k leads in ~20 ms, so the pause is most
  // of what a typist waits for (bench:web: 250 ms put search-as-you-type over 300 ms at p50).
  const debouncedSearch = useDebouncedValue(search.trim(), 150);
  const [showFilters, setShowFilters] = useState(false);
  const [showColumns, setShowColumns] = useState(false);
  const [visible, setVisible] = useState<string[]>(loadColumns);
  const [selected, setSelected] = useState<Set<string>>(new Set());

  // Search as you type: the URL follows the debounced text, the list follows the URL.
  useEffect(() => {
    setSearchParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (debouncedSearch) next.set('q', debouncedSearch);
        else next.delete('q');
        return next;
      },
      { replace: true },
    );
  }, [debouncedSearch, setSearchParams]);

  const params = useMemo(() => {
    const p: Record<string, string> = {};
    for (const [k, v] of searchParams) if (v) p[k] = v;
    return p;
  }, [searchParams]);
  // Statuses picked by name (the board's "All in Leads" link, the status filter) are shown whatever their outcome.
  const outcome = params.outcome ?? (params.status ? 'all' : DEFAULT_OUTCOME);
  const filterCount = Object.keys(params).filter((k) => k !== 'q' && k !== 'sort' && k !== 'outcome').length;
  // What the server is asked: the outcome the page shows (open unless chosen), "all" as no filter.
  const apiParams = useMemo(() => {
    const { outcome: _, ...rest } = params;
    return outcome === 'all' ? rest : { ...rest, outcome };
  }, [params, outcome]);

  const leads = useLeadPages(apiParams as QueryParams);
  const count = useLeadCount(apiParams as QueryParams);
  // The header's count and the rows come from two requests, each keeping its previous answer
  // while the next loads: the count of the new filter must never stand over the old filter's
  // rows ("120 won leads" above open ones). It changes when both have arrived.
  const countText = leadCountText(count.data, outcome, Boolean(filterCount || params.q));
  const settled = !count.isPlaceholderData && !leads.isPlaceholderData;
  const [shownCountText, setShownCountText] = useState(countText);
  useEffect(() => {
    if (settled) setShownCountText(countText);
  }, [settled, countText]);
  const unfiltered = !params.q && filterCount === 0;
  // No open leads: are there none at all (offer an import), or only decided ones (offer them)?
  const anyLeads = useLeadCount({}, { enabled: unfiltered && outcome !== 'all' && leads.isSuccess && leads.data.pages[0]?.data.length === 0 });
  const hasNoLeads = outcome === 'all' ? true : anyLeads.data?.count === 0;
  const customFields = useCustomFields();
  const users = useUsers();
  const teams = useTeams();
  const userName = useMemo(() => {
    const byId = new Map((users.data?.data ?? []).map((u) => [u.id, u.full_name]));
    return (id: string | null) => (id ? (byId.get(id) ?? 'Someone') : 'Unassigned');
  }, [users.data]);

  const allColumns = useMemo<Column[]>(() => [...BASE_COLUMNS, ...(customFields.data?.data ?? []).map((f) => customFieldColumn(f.key, f.label))], [customFields.data]);
  // Kept stable between renders so rows (memoised) re-render only when their own props change.
  const columns = useMemo(() => allColumns.filter((c) => visible.includes(c.id)), [allColumns, visible]);
  const rows = useMemo<Lead[]>(() => leads.data?.pages.flatMap((p) => p.data) ?? [], [leads.data]);
  const template = `${CHECKBOX_COLUMN}px ${columns.map((c) => c.width).join(' ')}`;
  const minWidth = minWidthOf(columns);
  const head = useRef<HTMLDivElement>(null);

  const scroller = useRef<HTMLDivElement>(null);
  // Rows keyed by lead, not position: a lead that arrives above keeps every other row's element
  // (and its focus) instead of shifting contents through them.
  const getItemKey = useCallback((index: number) => rows[index]?.id ?? `more-${index}`, [rows]);
  const virtualizer = useVirtualizer({ count: rows.length + (leads.hasNextPage ? 1 : 0), getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12, getItemKey });
  const arrived = useArrivals(rows, leads.data?.pages.length ?? 0, apiParams);
  useScrollAnchor(scroller, rows);
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && leads.hasNextPage && !leads.isFetchingNextPage) void leads.fetchNextPage();
  }, [lastIndex, rows.length, leads]);

  const toggleSelected = useCallback((id: string, checked: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  const roving = useRovingRows({
    count: rows.length,
    virtualizer,
    scroller,
    onOpen: (index) => void navigate(`/leads/${rows[index]!.id}`),
    onToggle: (index) => toggleSelected(rows[index]!.id, !selected.has(rows[index]!.id)),
  });
  const { reset: resetRoving } = roving;

  useEffect(() => {
    setSelected(new Set());
    resetRoving();
  }, [params, resetRoving]);

  function setParam(key: string, value: string) {
    setSearchParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  }

  function toggleColumn(id: string) {
    setVisible((v) => {
      const next = v.includes(id) ? v.filter((x) => x !== id) : [...v, id];
      localStorage.setItem(COLUMNS_STORAGE, JSON.stringify(next));
      return next;
    });
  }

  const exportQuery: QueryParams = { ...apiParams, format: 'csv' };
  if (exportQuery.sort === 'relevance') delete exportQuery.sort;
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const sort = params.sort ?? (params.q ? 'relevance' : 'score');

  return (
    <>
      <PageHeader
        title="Leads"
        description={settled ? countText : shownCountText}
        actions={
          <>
            {canImport && (
              <Link className="btn btn--secondary" to="/leads/import">
                <Icon name="upload" /> Import CSV
              </Link>
            )}
            <a className="btn btn--secondary" href={`/api/v1/leads/export${toSearchParams(exportQuery)}`} download>
              <Icon name="download" /> Export CSV
            </a>
          </>
        }
      />
      <ErasureNotice />
      <div className="segmented outcome-tabs" role="group" aria-label="Show">
        {OUTCOMES.map((o) => (
          <button key={o.value} type="button" className="segmented__option" aria-pressed={o.value === outcome} onClick={() => setParam('outcome', o.value === DEFAULT_OUTCOME ? '' : o.value)}>
            {o.label}
          </button>
        ))}
      </div>
      <div className="toolbar">
        <div className="search">
          <Icon name="search" />
          <label htmlFor="lead-search" className="visually-hidden">
            Search leads
          </label>
          <input id="lead-search" className="input search__input" type="search" placeholder="Search by name, company or email" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />
        </div>
        <Button aria-expanded={showFilters} aria-controls="lead-filters" onClick={() => setShowFilters((s) => !s)}>
          Filters{filterCount > 0 ? ` (${filterCount})` : ''}
        </Button>
        <Button aria-expanded={showColumns} aria-controls="lead-columns" onClick={() => setShowColumns((s) => !s)}>
          Columns
        </Button>
        <div className="sort-select">
          <label className="field__label" htmlFor="lead-sort">
            Sort by
          </label>
          <select id="lead-sort" className="input" value={sort} onChange={(e) => setParam('sort', e.target.value === (params.q ? 'relevance' : 'score') ? '' : e.target.value)}>
            {params.q && <option value="relevance">Best match</option>}
            <option value="score">Score</option>
            <option value="updated_at">Recently updated</option>
            <option value="created_at">Newest</option>
            <option value="next_follow_up_at">Next follow-up</option>
            <option value="name">Name</option>
          </select>
        </div>
        <SavedViews
          query={searchParams.toString()}
          columns={visible}
          onApply={(view) => {
            const next = new URLSearchParams(view.query);
            setSearch(next.get('q') ?? '');
            setSearchParams(next, { replace: true });
            if (view.columns.length) {
              setVisible(view.columns);
              localStorage.setItem(COLUMNS_STORAGE, JSON.stringify(view.columns));
            }
          }}
        />
      </div>
      {showColumns && (
        <fieldset id="lead-columns" className="card column-chooser">
          <legend className="field__label">Columns to show</legend>
          {allColumns.map((c) => (
            <label key={c.id} className="check">
              <input type="checkbox" className="checkbox" checked={visible.includes(c.id)} onChange={() => toggleColumn(c.id)} disabled={c.id === 'name'} />
              {c.label}
            </label>
          ))}
        </fieldset>
      )}
      {showFilters && (
        <div id="lead-filters" className="card">
          <LeadFilters
            values={params}
            onChange={setParam}
            customFields={customFields.data?.data ?? []}
            users={users.data?.data ?? []}
            teams={teams.data?.data ?? []}
            footer={
              filterCount > 0 && (
                <Button
                  variant="ghost"
                  onClick={() =>
                    setSearchParams((prev) => {
                      const next = new URLSearchParams(prev);
                      for (const k of [...next.keys()]) if ((FILTER_KEYS as readonly string[]).includes(k) || k.startsWith('cf.')) next.delete(k);
                      return next;
                    })
                  }
                >
                  Clear filters
                </Button>
              )
            }
          />
        </div>
      )}
      {selected.size > 0 && <BulkBar ids={[...selected]} users={users.data?.data ?? []} onDone={() => setSelected(new Set())} />}
      {leads.error && <ErrorMessage error={leads.error} title="Could not load leads" />}
      <p id="leads-grid-keys" className="visually-hidden">
        Arrow keys move between leads, Home and End go to the first and last loaded lead, Enter opens the lead, Space selects it.
      </p>
      <div
        className="grid-table"
        role="grid"
        aria-label="Leads"
        aria-describedby="leads-grid-keys"
        aria-multiselectable="true"
        aria-rowcount={leads.hasNextPage ? -1 : rows.length + 1}
        aria-busy={leads.isFetching || undefined}
      >
        <div ref={head} className="grid-table__head" role="rowgroup">
          <div className="grid-table__row" role="row" style={{ gridTemplateColumns: template, minWidth }}>
            <div role="columnheader" className="grid-table__cell">
              <input type="checkbox" className="checkbox" aria-label="Select all loaded leads" checked={allSelected} onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))} />
            </div>
            {columns.map((c) => (
              <div key={c.id} role="columnheader" className="grid-table__cell" aria-sort={c.sort && c.sort === sort ? (c.sort === 'name' || c.sort === 'next_follow_up_at' ? 'ascending' : 'descending') : undefined}>
                {c.sort ? (
                  <button type="button" className="sort-button" onClick={() => setParam('sort', c.sort === 'score' && !params.q ? '' : c.sort!)}>
                    {c.label}
                  </button>
                ) : (
                  c.label
                )}
              </div>
            ))}
          </div>
        </div>
        <div
          ref={scroller}
          className="grid-table__body"
          role="rowgroup"
          onKeyDown={roving.onKeyDown}
          onFocus={roving.onFocus}
          // Narrower than the columns (a phone): the body scrolls sideways and the header follows.
          onScroll={(e) => {
            if (head.current) head.current.scrollLeft = e.currentTarget.scrollLeft;
          }}
        >
          {leads.isPending ? (
            <div role="row">
              <div role="gridcell">
                <div className="grid-table__skeleton" role="status" aria-label="Loading leads">
                  {Array.from({ length: 8 }, (_, i) => (
                    <Skeleton key={i} height="28px" />
                  ))}
                </div>
              </div>
            </div>
          ) : rows.length === 0 ? (
            <div role="row">
              <div role="gridcell">
                {!unfiltered || !hasNoLeads ? (
                  <EmptyState title={`No ${outcome === 'all' ? '' : `${outcome} `}leads match`}>
                    {unfiltered ? 'Every lead here is decided: show the won, lost or all leads above.' : `Try fewer words or filters${outcome === 'all' ? '' : ', or show all leads'}. Search matches the beginning of names, companies and emails.`}
                  </EmptyState>
                ) : (
                  <EmptyState title="No leads yet" action={canImport ? <Link className="btn btn--primary" to="/leads/import">Import a CSV</Link> : undefined}>
                    Import your leads from a CSV export (HubSpot, Salesforce, Pipedrive or a spreadsheet), or send them through the API.
                  </EmptyState>
                )}
              </div>
            </div>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative', minWidth }}>
              {items.map((item) => {
                const lead = rows[item.index];
                return lead ? (
                  <LeadRow
                    key={item.key}
                    lead={lead}
                    index={item.index}
                    columns={columns}
                    template={template}
                    top={item.start}
                    height={ROW_HEIGHT}
                    selected={selected.has(lead.id)}
                    arrived={arrived.has(lead.id)}
                    tabIndex={roving.tabIndexOf(item.index)}
                    onSelect={toggleSelected}
                    userName={userName}
                  />
                ) : (
                  <LoadingRow key={item.key} index={item.index} template={template} top={item.start} height={ROW_HEIGHT} />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </>
  );
}

const ARRIVAL_MS = 6000;

/**
 * Leads that joined the list while it was open: created, assigned to the reader, moved into
 * the filter by someone (the stream refetches the list). A row is an arrival when the list
 * for the same query gains it within the range already loaded; rows the reader loads by
 * scrolling, and a new query's rows, are not. Each stays highlighted for a few seconds.
 */
function useArrivals(rows: Lead[], pages: number, query: unknown): ReadonlySet<string> {
  const [arrived, setArrived] = useState<ReadonlySet<string>>(() => new Set());
  const previous = useRef<{ query: string; ids: Set<string>; length: number; pages: number } | null>(null);
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    const before = previous.current;
    previous.current = { query: queryKey, ids: new Set(rows.map((r) => r.id)), length: rows.length, pages };
    if (!before || before.query !== queryKey || before.length === 0) return;
    // A page loaded by scrolling adds rows after the old end: those are not arrivals.
    const range = pages > before.pages ? rows.slice(0, before.length) : rows;
    const fresh = range.filter((r) => !before.ids.has(r.id)).map((r) => r.id);
    if (fresh.length === 0 || fresh.length > 50) return; // a whole new list (an import) is not "a few new leads"
    setArrived((s) => new Set([...s, ...fresh]));
    // Not cleared when the list changes again: each arrival fades on its own clock.
    setTimeout(() => setArrived((s) => new Set([...s].filter((id) => !fresh.includes(id)))), ARRIVAL_MS);
  }, [rows, pages, queryKey]);
  return arrived;
}

/**
 * Keeps the rows in view where they are when the list changes under the reader: a lead that
 * arrives (or leaves) above the first visible row moves the scroll position by as many rows,
 * so what the reader was looking at stays put. At the very top the list simply grows there,
 * where new leads are meant to be seen.
 */
function useScrollAnchor(scroller: RefObject<HTMLDivElement | null>, rows: Lead[]) {
  const anchor = useRef<{ id: string; offset: number } | null>(null);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const remember = () => {
      const index = Math.floor(el.scrollTop / ROW_HEIGHT);
      const row = el.scrollTop > 0 ? rows[index] : undefined;
      anchor.current = row ? { id: row.id, offset: el.scrollTop - index * ROW_HEIGHT } : null;
    };
    const a = anchor.current;
    if (a) {
      const index = rows.findIndex((r) => r.id === a.id);
      const want = index * ROW_HEIGHT + a.offset;
      if (index >= 0 && Math.abs(el.scrollTop - want) >= 1) el.scrollTop = want;
    }
    remember();
    el.addEventListener('scroll', remember, { passive: true });
    return () => el.removeEventListener('scroll', remember);
  }, [scroller, rows]);
}
