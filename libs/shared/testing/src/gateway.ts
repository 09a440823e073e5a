/** A reply of the public API: its status, its JSON body (`{}` when it has none) and its headers. */
export interface GatewayReply<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the public API over HTTP as a client program does: JSON in and out, a bearer token when given. */
export type GatewayCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<GatewayReply<T>>;

/** The first admin the user service creates at every start (infra/local/services.json). */
export const firstAdmin = { email: 'admin@roomledger.local', password: 'change-me-admin-password' };

export function gatewayCaller(gatewayUrl: string): GatewayCall {
  return async <T>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<GatewayReply<T>> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
  };
}

/** Signs in through the gateway; the access token. */
export async function signIn(api: GatewayCall, email: string, password: string): Promise<string> {
  const login = await api<{ accessToken: string }>('POST', '/v1/auth/login', undefined, { email, password });
  if (login.status !== 200) throw new Error(`signing in ${email} was answered ${login.status}`);
  return login.body.accessToken;
}
