import { ImapFlow, type ImapFlowOptions } from 'imapflow';

/**
 * The IMAP side: a client for a mailbox's settings, and every failure told in words. The
 * server's raw reply never leaves this file: an error can carry the command that failed, and
 * a LOGIN or AUTHENTICATE command carries the credential.
 */
export interface ImapSettings {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username: string;
  authKind: 'password' | 'oauth2';
  secret: string;
}

export function imapClient(s: ImapSettings, options: { idle?: boolean } = {}): ImapFlow {
  const client = new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    // 'none' is for servers on loopback (tests, a local bridge): never upgrade, never require it.
    doSTARTTLS: s.security === 'starttls' ? true : s.security === 'none' ? false : undefined,
    auth: s.authKind === 'password' ? { user: s.username, pass: s.secret } : { user: s.username, accessToken: s.secret },
    // imapflow's logger would print commands (and with them the login): never.
    logger: false,
    emitLogs: false,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 5 * 60_000,
    disableAutoIdle: options.idle !== true,
    // Renew IDLE before the socket timeout: some servers stay silent while idling.
    ...(options.idle ? { maxIdleTime: 4 * 60_000 } : {}),
  } satisfies ImapFlowOptions);
  // An error on an idle connection must not become an uncaught exception; callers see 'close'.
  client.on('error', () => {});
  return client;
}

/** The failure in words for a person, naming what to check. Never the server's text. */
export function describeImapError(error: unknown, s: Pick<ImapSettings, 'host' | 'port' | 'authKind'>): string {
  const e = (error ?? {}) as { code?: string; authenticationFailed?: boolean; message?: string; serverResponseCode?: string };
  const where = `${s.host}:${s.port}`;
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return s.authKind === 'oauth2'
      ? 'The server refused the login: check the user name and the access token (OAuth2 access tokens expire; get a new one).'
      : 'The server refused the login: check the user name and password.';
  }
  if (e.serverResponseCode === 'NONEXISTENT') {
    return `A folder to sync no longer exists on ${where}: change the folders to sync.`;
  }
  if (e.message === 'Unsupported authentication mechanism') {
    return s.authKind === 'oauth2'
      ? 'The server does not offer OAuth2 login (XOAUTH2 or OAUTHBEARER): connect with a password (or an app password) instead.'
      : 'The server offers no password login this connection may use: try the TLS or STARTTLS security setting.';
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Nothing answers at ${where}: check the host and port, or whether the mail server is running.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${s.host} does not resolve: check its spelling.`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
    case 'UPGRADE_TIMEOUT':
      return `The server at ${where} did not answer in time: check the host, port and security setting.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `The network cannot reach ${where}.`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'NoConnection':
    case 'ClosedAfterConnectTLS':
    case 'ClosedAfterConnectText':
    case 'EConnectionClosed':
      return `The connection to ${where} was lost (the server may be restarting). The next sync tries again and picks up where this one stopped.`;
    default:
      break;
  }
  if (typeof e.code === 'string' && (e.code.startsWith('ERR_SSL') || e.code.startsWith('ERR_TLS') || e.code === 'EPROTO' || e.code.includes('CERT'))) {
    return `The secure connection to ${where} failed: check the security setting (TLS usually on port 993, STARTTLS on 143) and the server's certificate.`;
  }
  if (e.message === 'Connection not available' || e.message === 'Unexpected close') {
    return `The connection to ${where} was lost (the server may be restarting). The next sync tries again and picks up where this one stopped.`;
  }
  return `The mail server at ${where} could not be used (${typeof e.code === 'string' ? e.code : 'an unexpected reply'}). Check the settings and try again.`;
}

export class ImapFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImapFailure';
  }
}

/** Connects and logs in once, and says in words why not. The folders must exist too. */
export async function testConnection(s: ImapSettings, folders: string[]): Promise<void> {
  const client = imapClient(s);
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw new ImapFailure(describeImapError(error, s));
  }
  try {
    const listed = await client.list();
    const known = new Set(listed.map((f) => f.path.toLowerCase()));
    const missing = folders.filter((f) => !known.has(f.toLowerCase()));
    if (missing.length > 0) throw new ImapFailure(`The mailbox has no folder named ${missing.map((f) => `"${f}"`).join(', ')}; it has ${listed.map((f) => `"${f.path}"`).slice(0, 20).join(', ')}.`);
  } catch (error) {
    if (error instanceof ImapFailure) throw error;
    throw new ImapFailure(describeImapError(error, s));
  } finally {
    await client.logout().catch(() => client.close());
  }
}
