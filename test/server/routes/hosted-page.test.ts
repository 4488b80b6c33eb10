import { afterEach, describe, expect, it } from 'vitest';
import { closeApps, setup } from '../support/app.js';

afterEach(closeApps);

describe('GET /', () => {
  it('serves the hosted page: the widget pointed at this server, under a strict policy', async () => {
    const response = await setup().app.inject({ url: '/?state=abc&session_token=xyz', headers: { host: 'evil.example"><script>' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('<script type="module" src="/progressive-profile.js"></script>');
    expect(response.body).toContain('<progressive-profile endpoint="/"></progressive-profile>');
    expect(response.body).not.toContain('evil.example');
    // GET /form downloads beside the bundle instead of after it.
    expect(response.body).toContain('<link rel="preload" href="/form" as="fetch" crossorigin>');
    expect(response.body).toContain('<html lang="en">');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('form-action');
    // No inline style or script: the page's styles come from its own stylesheet.
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.body).not.toMatch(/<style|style=/u);
    expect(response.body).toContain('<link rel="stylesheet" href="/hosted-page.css">');
  });

  it('escapes a hostile Host header', async () => {
    const response = await setup().app.inject({ url: '/', headers: { host: 'x"><script>alert(1)</script>' } });
    expect(response.body).not.toContain('<script>alert(1)');
  });
});

describe('GET /hosted-page.css', () => {
  it("serves the page's styles with an ETag and a cache policy", async () => {
    const response = await setup().app.inject('/hosted-page.css');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(response.body).toContain('font-family: system-ui');
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['cache-control']).toContain('max-age');
  });

  it('answers 304 when the ETag still matches', async () => {
    const { app } = setup();
    const { etag } = (await app.inject('/hosted-page.css')).headers;
    const response = await app.inject({ url: '/hosted-page.css', headers: { 'if-none-match': String(etag) } });
    expect(response.statusCode).toBe(304);
    expect(response.body).toBe('');
  });
});
