import type { TokenSet } from '../interfaces/token-set.interface.js';
import { copyPlainData } from '../utils/copy-plain-data.util.js';
import type { TokenStore } from '../interfaces/token-store.interface.js';

/** The default token store: a Map in this process, lost on restart. */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenSet>();

  async get(provider: string, user: string): Promise<TokenSet | undefined> {
    const tokens = this.tokens.get(key(provider, user));
    return tokens && copyPlainData(tokens);
  }

  async set(provider: string, user: string, tokens: TokenSet): Promise<void> {
    this.tokens.set(key(provider, user), copyPlainData(tokens));
  }

  async delete(provider: string, user: string): Promise<void> {
    this.tokens.delete(key(provider, user));
  }
}

function key(provider: string, user: string): string {
  return `${provider}\u0000${user}`;
}
