import type { TokenSet } from '../interfaces/token-set.interface.js';

/** Holds each user's tokens per provider. */
export interface TokenStore {
  get(provider: string, user: string): Promise<TokenSet | undefined>;
  set(provider: string, user: string, tokens: TokenSet): Promise<void>;
  delete(provider: string, user: string): Promise<void>;
}
