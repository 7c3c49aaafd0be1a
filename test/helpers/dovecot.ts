import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A private Dovecot IMAP server for one test file: its own configuration, users, maildirs and
 * log in a temporary folder, listening on 127.0.0.1 at a free port, plaintext logins allowed
 * (loopback only, no TLS). Nothing of the machine's own Dovecot (/etc/dovecot) is used.
 *
 * As root (CI) Dovecot refuses to deliver mail as uid 0 and drops its login and internal
 * processes to the packaged users (dovenull, dovecot), so the mail folders belong to the
 * packaged `dovecot` user. As any other user everything runs as that user.
 */
const DOVECOT = '/usr/sbin/dovecot';

/**
 * Like the browser tests: where Dovecot is not installed the IMAP test files skip with a plain
 * message, so `npm test` passes on a fresh machine; under CI (`CI` set, as `.ci/run` does) they
 * always run, and a missing Dovecot fails them with the command that installs it.
 */
export const runImapTests = existsSync(DOVECOT) || Boolean(process.env.CI);
if (!runImapTests) console.warn(`IMAP tests did not run: ${DOVECOT} not found (apt-get install dovecot-imapd)`);

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  /**
   * Also accept OAuth2 access tokens (XOAUTH2 and OAUTHBEARER): Dovecot's oauth2 passdb asks
   * this RFC 7662 introspection endpoint (POST token=…) whether a token is active and whose it
   * is (`username`). Password logins keep working as before. `mechanisms` narrows what is
   * offered (default both), e.g. to prove a client's XOAUTH2 path where it prefers OAUTHBEARER.
   */
  oauth2?: { introspectionUrl: string; mechanisms?: ('xoauth2' | 'oauthbearer')[] };
  /**
   * Answer a refused login at once: no auth_failure_delay (2 s) and no per-address penalty
   * (anvil adds 2, 4, 8… up to 15 s after each failure from 127.0.0.1, and delays the next
   * login of anyone, even a good one). For a file that is refused on purpose several times.
   */
  quickRefusals?: boolean;
}

export interface Dovecot {
  host: string;
  port: number;
  dir: string;
  logPath: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  log(): Promise<string>;
  /** Changes a user's password (Dovecot re-reads its passwd-file when it changes). */
  setPassword(user: string, password: string): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

function uidOf(name: string): { uid: number; gid: number } {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDovecot(initialUsers: DovecotUser[], options: DovecotOptions = {}): Promise<Dovecot> {
  let users = [...initialUsers];
  if (!existsSync(DOVECOT)) {
    throw new Error('Dovecot is not installed: the IMAP tests need a real IMAP server. Install it with `apt-get install dovecot-imapd` (Debian/Ubuntu).');
  }
  const dir = await mkdtemp(join(tmpdir(), 'leadai-dovecot-'));
  // The mail processes run as another user when we are root: they must reach the folders.
  await chmod(dir, 0o755);
  const port = await freePort();
  const me = userInfo();
  const root = me.uid === 0;
  const mail = root ? uidOf('dovecot') : { uid: me.uid, gid: me.gid };
  const loginUser = root ? 'dovenull' : me.username;
  const internalUser = root ? 'dovecot' : me.username;
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  await mkdir(join(dir, 'run'), { recursive: true });
  await mkdir(join(dir, 'state'), { recursive: true });
  if (root) await chown(home, mail.uid, mail.gid);
  const writePasswd = () => writeFile(join(dir, 'passwd'), users.map((u) => `${u.user}:{PLAIN}${u.password}:${mail.uid}:${mail.gid}::${join(home, u.user)}`).join('\n') + '\n', { mode: 0o644 });
  await writePasswd();
  let mtime = Math.ceil(Date.now() / 1000);
  const logPath = join(dir, 'dovecot.log');
  const oauth2 = options.oauth2;
  const quick = options.quickRefusals === true;
  const oauth2Mechanisms = (oauth2?.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
  if (oauth2) {
    // No tokeninfo_url: every token goes to the introspection endpoint, which alone says whether
    // it is active (active = true) and for whom; Dovecot then requires that name to be the login's.
    // force_introspection: Dovecot's documentation asks for it whenever active_attribute is used.
    await writeFile(join(dir, 'dovecot-oauth2.conf.ext'), [
      `introspection_mode = post`,
      `introspection_url = ${oauth2.introspectionUrl}`,
      `force_introspection = yes`,
      `username_attribute = username`,
      `active_attribute = active`,
      `active_value = true`,
      '',
    ].join('\n'), { mode: 0o644 });
  }
  // Each passdb only for its own mechanisms: a password is never sent to the introspection
  // endpoint, and a token never checked as a password.
  const oauth2Passdb = oauth2 ? `
passdb {
  driver = oauth2
  mechanisms = ${oauth2Mechanisms}
  args = ${join(dir, 'dovecot-oauth2.conf.ext')}
}` : '';
  const config = `
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${logPath}
instance_name = leadai-test-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no${quick ? '\nauth_failure_delay = 0' : ''}
auth_mechanisms = plain login${oauth2 ? ` ${oauth2Mechanisms}` : ''}
default_login_user = ${loginUser}
default_internal_user = ${internalUser}
first_valid_uid = ${Math.min(mail.uid, 1)}
mail_location = maildir:~/Maildir
mail_plugins =
protocol imap {
  mail_max_userip_connections = 50
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =${quick ? `
  unix_listener anvil-auth-penalty {
    mode = 0
  }` : ''}
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, 'passwd')}${oauth2 ? '\n  mechanisms = plain login' : ''}
}${oauth2Passdb}
userdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'passwd')}
}
namespace inbox {
  inbox = yes
  separator = /
}
`;
  const confPath = join(dir, 'dovecot.conf');
  await writeFile(confPath, config, { mode: 0o644 });

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start() {
    // Its own process group: stopping it takes the imap processes of open sessions along.
    const proc = spawn(DOVECOT, ['-F', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    proc.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    child = proc;
    const started = Date.now();
    while (!(await accepts(port))) {
      if (proc.exitCode !== null) {
        const log = await readFile(logPath, 'utf8').catch(() => '');
        throw new Error(`Dovecot did not start (exit ${proc.exitCode}): ${output}\n${log}`);
      }
      if (Date.now() - started > 30_000) throw new Error(`Dovecot did not listen on ${port} within 30 s: ${output}`);
      await sleep(50);
    }
  }

  async function stop() {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    // The whole group at once, like a crash: open sessions drop mid-command.
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      proc.kill('SIGKILL');
    }
    await Promise.race([exited, sleep(10_000)]);
    // The master has gone; the port must be free again before a restart binds it.
    const started = Date.now();
    while ((await accepts(port)) && Date.now() - started < 10_000) await sleep(50);
  }

  await start();
  return {
    host: '127.0.0.1',
    port,
    dir,
    logPath,
    start,
    stop: async () => {
      await stop();
    },
    async restart() {
      await stop();
      await start();
    },
    log: () => readFile(logPath, 'utf8').catch(() => ''),
    async setPassword(user, password) {
      users = users.map((u) => (u.user === user ? { ...u, password } : u));
      await writePasswd();
      // Dovecot notices the change by the file's mtime in whole seconds: move it on for sure.
      mtime = Math.max(mtime + 10, Math.ceil(Date.now() / 1000) + 10);
      await utimes(join(dir, 'passwd'), mtime, mtime);
      // …and looks at the file at most once a second.
      await sleep(1_100);
    },
  };
}

/** Stops the server and removes its folder. */
export async function removeDovecot(d: Dovecot | undefined): Promise<void> {
  if (!d) return;
  await d.stop();
  await rm(d.dir, { recursive: true, force: true });
}
