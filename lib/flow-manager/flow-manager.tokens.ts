import { Inject } from '@nestjs/common';

/** The injection token of the named provider's `FlowManager`. */
export function getFlowManagerToken(name: string): string {
  return `AuthCodeFlowManager:${name}`;
}

/** Injects the named provider's `FlowManager`: `constructor(@InjectFlowManager('github') github: FlowManager)`. */
export const InjectFlowManager = (name: string): ParameterDecorator & PropertyDecorator =>
  Inject(getFlowManagerToken(name));
