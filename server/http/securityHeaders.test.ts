import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { mountSecurityHeaders } from './securityHeaders.ts';

describe('security headers', () => {
  test('scripts may compile WebAssembly (hash-wasm hashes file transfers) but never eval JavaScript', async () => {
    const app = new Hono();
    mountSecurityHeaders(app);
    app.get('/', (c) => c.text('ok'));
    const csp = (await app.request('/')).headers.get('Content-Security-Policy') ?? '';
    const scriptSrc = csp
      .split(';')
      .map((directive) => directive.trim())
      .find((directive) => directive.startsWith('script-src '));
    expect(scriptSrc).toBe("script-src 'self' 'wasm-unsafe-eval'");
  });
});
