import { describe, expect, it } from 'vitest';
import { buildDemoSite } from '../../demo/site.js';

const site = () =>
  buildDemoSite({
    tenantOrigin: 'http://127.0.0.1:4010',
    serverOrigin: 'http://127.0.0.1:3000',
    origin: 'http://127.0.0.1:8080',
    apps: [
      { clientId: 'demo-crm', name: 'Acme CRM' },
      { clientId: 'demo-shop', name: 'Acme Shop' },
    ],
  });

describe('the demo site', () => {
  it('offers a sign-in per application', async () => {
    const response = await site().inject({ method: 'GET', url: '/' });
    expect(response.body).toContain('href="/login?app=demo-crm">Sign in to Acme CRM');
    expect(response.body).toContain('href="/login?app=demo-shop">Sign in to Acme Shop');
  });

  it('signs in to the application asked for, naming it in the state', async () => {
    const response = await site().inject({ method: 'GET', url: '/login?app=demo-shop' });
    const authorize = new URL(response.headers.location as string);
    expect(authorize.searchParams.get('client_id')).toBe('demo-shop');
    expect(authorize.searchParams.get('state')).toMatch(/\.demo-shop$/);
  });

  it('explains a reloaded callback instead of blaming the browser', async () => {
    const response = await site().inject({ method: 'GET', url: '/callback?code=used&state=abc.demo-crm' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('This sign-in answer was already used');
    expect(response.body).toContain('href="/login"');
  });

  it('asks for no favicon', async () => {
    const response = await site().inject({ method: 'GET', url: '/' });
    expect(response.body).toContain('<link rel="icon" href="data:,">');
  });
});
