/** Where `AuthCodeFlowGuard` leaves the resolved user on the request for the controller. */
export const REQUEST_USER = Symbol('authCodeFlowUser');

export interface RequestWithFlowUser {
  [REQUEST_USER]?: string;
}
