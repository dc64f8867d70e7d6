/** Options of `FlowManager.createAuthorizationUrl`. */
export interface CreateAuthorizationUrlOptions {
  /** Where to send the browser after the callback; kept only if it is a same-origin relative path. */
  returnTo?: string;
  /** Extra authorization parameters for this request, e.g. `{ login_hint: 'ada' }`. */
  params?: Record<string, string>;
  /**
   * A secret the browser holds, fresh for this flow (the built-in routes mint one at each authorize and keep it
   * in a cookie); only its SHA-256 is stored. Never pass a value the browser sent: it may have been planted.
   */
  browserBinding?: string;
  /**
   * A stable id of the browser, used only to bound its pending authorizations when there is no user: the
   * state store keeps a few per browser and provider and evicts the oldest beyond them. Only its hash is
   * stored. The built-in routes pass one from their cookie.
   */
  browserId?: string;
}

/** Options of `FlowManager.handleCallback`. */
export interface HandleCallbackOptions {
  /**
   * The binding secrets the browser presented: the one given to `createAuthorizationUrl`, or several (the
   * built-in routes' cookie holds one per pending flow of the browser, newest last); the check passes when any
   * of them is this flow's. Only the newest 10 are looked at. Leave it undefined only
   * when the browser presented nothing at all (e.g. no cookie): the error then says where to start the flow.
   */
  browserBinding?: string | readonly string[];
  /**
   * Called once the state was consumed, before it is checked, with the presented value that is this flow's
   * binding (`undefined` when none is): that value is spent whatever the outcome, so its holder can forget it.
   */
  onStateConsumed?: (spentBinding: string | undefined) => void;
}
