// A real OpenID provider for the tests and the demo: node `oidc-provider`
// (pinned in package.json), configured, not written, here. Started by
// tests/oidc/__init__.py (OidcProvider) with one JSON argument:
//
//   {"port": 0, "host": "127.0.0.1", "redirect_uris": [...], "cors_origins": [...],
//    "resource": "http://127.0.0.1:PORT", "audience": "stalwart", "access_token_ttl": 300,
//    "users": [...]}
//
// Two public clients (PKCE S256, no secret), both allowed CORS at the token
// endpoint from `cors_origins` only:
//   * account-security        JWT access tokens (ES256) for `resource`, whose
//                             `aud` is `audience` ("stalwart", what Stalwart's
//                             OIDC directory requires by default), with the
//                             `email` claim, like Keycloak's;
//   * account-security-opaque opaque access tokens, checked at userinfo.
// Sign-in is the library's development interactions (a login form that takes
// any password, then a consent form); only the configured users have an email.
// The first line on stdout is {"issuer": "..."} once it listens.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const cfg = JSON.parse(process.argv[2] || '{}');
const host = cfg.host || '127.0.0.1';
const users = new Map((cfg.users || []).map((u) => [u.login, u]));
const corsOrigins = new Set(cfg.cors_origins || []);
const redirectUris = cfg.redirect_uris || [];
const ttl = Number(cfg.access_token_ttl || 300);
const JWT_CLIENT = 'account-security';
const OPAQUE_CLIENT = 'account-security-opaque';

function signingKeys() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return {
    keys: [
      { ...rsa.export({ format: 'jwk' }), kid: 'rs-1', use: 'sig', alg: 'RS256' },
      { ...ec.export({ format: 'jwk' }), kid: 'es-1', use: 'sig', alg: 'ES256' },
    ],
  };
}

const server = http.createServer();
server.listen(Number(cfg.port || 0), host, () => {
  const { port } = server.address();
  const issuer = `http://${host}:${port}`;
  const resource = cfg.resource || `${issuer}/resource`;
  const audience = cfg.audience || 'stalwart';
  const client = (clientId) => ({
    client_id: clientId,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
  });
  const provider = new Provider(issuer, {
    clients: [client(JWT_CLIENT), client(OPAQUE_CLIENT)],
    jwks: signingKeys(),
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { required: () => true, methods: ['S256'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    ttl: { AccessToken: ttl, AuthorizationCode: 300, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 3600 },
    clientBasedCORS: (ctx, origin) => corsOrigins.has(origin),
    // Refresh tokens for every client allowed the grant (Keycloak does so
    // too), not only when offline_access was granted at a consent prompt.
    issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
    // Any login signs in (development interactions); one not in `users` is a
    // person the provider knows who has no mail address: no email claim, so
    // Stalwart cannot name an account for it.
    async findAccount(ctx, id) {
      const u = users.get(id) || { name: id };
      return {
        accountId: id,
        async claims() {
          const out = { sub: id, name: u.name, preferred_username: id };
          if (u.email) Object.assign(out, { email: u.email, email_verified: true });
          return out;
        },
      };
    },
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken' || !token.resourceServer) return undefined;
      const u = users.get(token.accountId);
      return u && u.email ? { email: u.email } : undefined;
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, c) => (c && c.clientId === JWT_CLIENT ? resource : undefined),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, c) => {
          if (c.clientId !== JWT_CLIENT || indicator !== resource) throw new Provider.errors.InvalidTarget();
          return {
            scope: 'openid email profile offline_access',
            audience,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  // A test peer on loopback: quiet, plain http.
  provider.on('server_error', (ctx, err) => process.stderr.write(`oidc-provider: ${err}\n`));
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, resource, audience })}\n`);
});

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
// The parent holds our stdin open: when it ends (the tests or serve.py stopped,
// however abruptly), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
