// Check 2: the tenant answers OpenID discovery with the issuer this configuration expects
// (`https://HOST/`; the loopback emulator over http), so AUTH0_DOMAIN names a real tenant and the
// host T1's `iss` will carry.
import type { TenantHost } from '../../config.js';
import { NetworkFailure, type DoctorHttp } from './http.js';
import type { CheckId, CheckResult } from './report.js';

/** Asks `origin/.well-known/openid-configuration` and compares its issuer with `origin/`. */
export async function checkDiscovery(
  http: DoctorHttp,
  tenant: TenantHost,
  which: { id: Extract<CheckId, 'tenant' | 'custom_domain'>; variable: 'AUTH0_DOMAIN' | 'AUTH0_CUSTOM_DOMAIN' },
): Promise<CheckResult> {
  const label = which.id === 'tenant' ? 'tenant' : 'custom domain';
  const fail = (message: string, fix: string): CheckResult => ({ id: which.id, label, status: 'fail', message, fix });
  const expectedIssuer = `${tenant.origin}/`;
  const hostFix =
    which.variable === 'AUTH0_DOMAIN'
      ? 'set AUTH0_DOMAIN to your tenant’s domain as the dashboard shows it (Applications > any application > Settings > Domain, e.g. acme.eu.auth0.com) and check this machine’s DNS and outbound https'
      : 'set AUTH0_CUSTOM_DOMAIN to a custom domain that is verified and ready (Branding > Custom Domains), or unset it';
  let document: unknown;
  try {
    const response = await http.request(`${tenant.origin}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return fail(`${tenant.host} answered ${response.status} to /.well-known/openid-configuration`, hostFix);
    }
    document = await http.readJson(response);
  } catch (error) {
    if (error instanceof NetworkFailure) return fail(error.message, hostFix);
    throw error;
  }
  const issuer = (document as { issuer?: unknown } | undefined)?.issuer;
  if (typeof issuer !== 'string') {
    return fail(`${tenant.host} answered /.well-known/openid-configuration without an issuer: it is not an Auth0 tenant`, hostFix);
  }
  if (issuer !== expectedIssuer) {
    return fail(
      `${tenant.host} names the issuer ${issuer}, not ${expectedIssuer}`,
      `set ${which.variable} to the host that issuer names, so the session tokens' iss matches it`,
    );
  }
  return { id: which.id, label, status: 'pass', message: `${tenant.host} answers OpenID discovery as issuer ${issuer}` };
}
