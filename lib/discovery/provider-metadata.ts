import { DiscoveryError } from '../auth-code-flow.errors.js';
import { DISCOVERY_FAILED } from '../auth-code-flow.messages.js';
import { endpointUrl } from '../options/validators.util.js';
import { isRecord } from '../utils/is-record.util.js';

/** What is kept of a provider's metadata: its endpoints, each checked as a configured one would be. */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  userinfoEndpoint?: string;
  jwksUri?: string;
  pushedAuthorizationRequestEndpoint?: string;
  endSessionEndpoint?: string;
  authorizationResponseIssParameterSupported: boolean;
  /** `id_token_signing_alg_values_supported`, its string entries; absent when the metadata has none. */
  idTokenSigningAlgValuesSupported?: string[];
  /** RFC 9126 §5 `require_pushed_authorization_requests: true`; absent when the metadata does not say so. */
  requirePushedAuthorizationRequests?: true;
  /** `token_endpoint_auth_signing_alg_values_supported` (RFC 8414 §2), its string entries: what client assertions may use. */
  tokenEndpointAuthSigningAlgValuesSupported?: string[];
  // DPoP (RFC 9449 §5.1)
  /** `dpop_signing_alg_values_supported`, its string entries; absent when the metadata has none. */
  dpopSigningAlgValuesSupported?: string[];
}

const OPTIONAL_ENDPOINTS = {
  revocationEndpoint: 'revocation_endpoint',
  userinfoEndpoint: 'userinfo_endpoint',
  jwksUri: 'jwks_uri',
  pushedAuthorizationRequestEndpoint: 'pushed_authorization_request_endpoint',
  endSessionEndpoint: 'end_session_endpoint',
} as const;

/**
 * Parses a metadata document (RFC 8414 §2, OpenID Connect Discovery 1.0 §3): its `issuer` must equal the
 * configured one exactly (RFC 8414 §3.3), and every endpoint must pass the checks of a configured endpoint.
 * Messages name fields, never quote the document.
 */
export function parseProviderMetadata(body: string, issuer: string, allowInsecure: boolean): ProviderMetadata {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new DiscoveryError('invalid_metadata', DISCOVERY_FAILED(issuer, 'the metadata is not JSON'));
  }
  if (!isRecord(document))
    throw new DiscoveryError('invalid_metadata', DISCOVERY_FAILED(issuer, 'the metadata is not a JSON object'));
  if (document.issuer !== issuer) {
    throw new DiscoveryError(
      'issuer_mismatch',
      DISCOVERY_FAILED(issuer, 'the metadata names another issuer (RFC 8414 §3.3)'),
    );
  }
  const problems: string[] = [];
  const required = (field: string) => endpointUrl(document[field], field, allowInsecure, problems);
  const metadata: ProviderMetadata = {
    issuer,
    authorizationEndpoint: required('authorization_endpoint') ?? '',
    tokenEndpoint: required('token_endpoint') ?? '',
    authorizationResponseIssParameterSupported: document.authorization_response_iss_parameter_supported === true,
  };
  for (const [key, field] of Object.entries(OPTIONAL_ENDPOINTS)) {
    if (document[field] === undefined) continue;
    const url = endpointUrl(document[field], field, allowInsecure, problems);
    if (url !== undefined) metadata[key as keyof typeof OPTIONAL_ENDPOINTS] = url;
  }
  const algs = document.id_token_signing_alg_values_supported;
  if (Array.isArray(algs)) metadata.idTokenSigningAlgValuesSupported = algs.filter((a) => typeof a === 'string');
  if (document.require_pushed_authorization_requests === true) metadata.requirePushedAuthorizationRequests = true;
  const assertionAlgs = document.token_endpoint_auth_signing_alg_values_supported;
  if (Array.isArray(assertionAlgs))
    metadata.tokenEndpointAuthSigningAlgValuesSupported = assertionAlgs.filter((a) => typeof a === 'string');
  const dpopAlgs = document.dpop_signing_alg_values_supported;
  if (Array.isArray(dpopAlgs)) metadata.dpopSigningAlgValuesSupported = dpopAlgs.filter((a) => typeof a === 'string');
  if (problems.length > 0) {
    // The problems name fields and rules only (`token_endpoint must use https …`), never the values.
    throw new DiscoveryError('invalid_metadata', DISCOVERY_FAILED(issuer, problems.join('; ')));
  }
  return metadata;
}
