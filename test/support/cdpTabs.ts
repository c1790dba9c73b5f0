import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/*
 * Chromium driven over its DevTools protocol directly, tab by tab. Playwright keeps every page "visible" (it turns on
 * focus emulation, which keeps a page awake and shown, and it turns off background throttling), so a page behind
 * another tab never behaves as in a person's browser; here, activating another tab hides the page for real.
 */

/** One tab: evaluate expressions in it, bring it to front. */
export class CdpTab {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  readonly #browser: CdpBrowser;
  readonly id: string;
  #nextId = 0;

  constructor(browser: CdpBrowser, id: string, socket: WebSocket) {
    this.#browser = browser;
    this.id = id;
    this.#socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message);
    });
  }

  send<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (message) => {
        this.#pending.delete(id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result as T);
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the page, awaiting a promise, and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.send<{ result: { value: T }; exceptionDetails?: { exception?: { description?: string }; text: string } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (reply.exceptionDetails) throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    return reply.result.value;
  }

  async bringToFront(): Promise<void> {
    await this.#browser.http(`/json/activate/${this.id}`);
  }

  close(): void {
    this.#socket.close();
  }
}

/** A Chromium of its own (own profile), launched with `args`, headless unless told (then it needs a display). */
export class CdpBrowser {
  readonly #process: ChildProcess;
  readonly #profile: string;
  readonly #port: number;

  private constructor(child: ChildProcess, profile: string, port: number) {
    this.#process = child;
    this.#profile = profile;
    this.#port = port;
  }

  static async launch(executable: string, args: string[], options: { headless?: boolean } = {}): Promise<CdpBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'huddle-cdp-'));
    const mode = options.headless === false ? [] : ['--headless'];
    const child = spawn(executable, [...mode, '--remote-debugging-port=0', `--user-data-dir=${profile}`, ...args, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stderr?.on('data', (data) => {
        output += String(data);
        const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${output.slice(-500)}`)));
    });
    return new CdpBrowser(child, profile, port);
  }

  /** The browser's process id (its renderers and helpers are its descendants). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  async http<T>(path: string, method = 'GET'): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.#port}${path}`, { method });
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Where Playwright can attach (`chromium.connectOverCDP`) — only between hidings: attached, it keeps pages shown. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The id of the first tab whose address contains `urlPart`. */
  async tabId(urlPart: string): Promise<string> {
    const tabs = await this.http<{ id: string; type: string; url: string }[]>('/json/list');
    const tab = tabs.find((candidate) => candidate.type === 'page' && candidate.url.includes(urlPart));
    if (!tab) throw new Error(`no tab at ${urlPart}`);
    return tab.id;
  }

  /**
   * Puts the tab at `urlPart` behind a new blank tab for `ms`, as a person switching tabs does (its page is hidden,
   * its timers throttled to one a second), then brings it back and closes the blank tab. Detach Playwright first.
   */
  async hideFor(urlPart: string, ms: number): Promise<void> {
    const id = await this.tabId(urlPart);
    const other = await this.http<{ id: string }>('/json/new?about:blank', 'PUT');
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.http(`/json/activate/${id}`);
    await this.http(`/json/close/${other.id}`);
  }

  async version(): Promise<string> {
    return (await this.http<{ Browser: string }>('/json/version')).Browser;
  }

  /** A new tab at `url`, brought to front. */
  async open(url: string): Promise<CdpTab> {
    const target = await this.http<{ id: string; webSocketDebuggerUrl: string }>(`/json/new?${url}`, 'PUT');
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new CdpTab(this, target.id, socket);
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#process.once('exit', resolve));
    this.#process.kill();
    await exited;
    rmSync(this.#profile, { recursive: true, force: true });
  }
}
