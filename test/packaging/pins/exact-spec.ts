const EXACT = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*@\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Whether `spec` names one exact version (`node@22.23.3`, `@scope/name@1.2.3-rc.1`): a range
 * (`node@22`, `^22.0.0`), a tag (`latest`) or a bare name is whatever the registry serves today.
 */
export function isExactSpec(spec: string): boolean {
  return EXACT.test(spec);
}
