// The organisation's policy, read by the backend at start. Locked values are shown fixed;
// recommended ones are the controls' starting values. The backend enforces locked values too.
import { createContext, useContext } from "react";
import type { PolicyEntry } from "./bindings/PolicyEntry";
import type { PolicyKey } from "./bindings/PolicyKey";
import type { PolicyView } from "./bindings/PolicyView";

export const noPolicy: PolicyView = { entries: [], warnings: [] };

export const PolicyContext = createContext<PolicyView>(noPolicy);

export function usePolicy(): PolicyView {
  return useContext(PolicyContext);
}

export function policyEntry(policy: PolicyView, key: PolicyKey): PolicyEntry | undefined {
  return policy.entries.find((e) => e.key === key);
}

export function isLocked(policy: PolicyView, key: PolicyKey): boolean {
  return policyEntry(policy, key)?.level === "locked";
}

/** The policy's text for a key, locked or recommended. */
export function policyText(policy: PolicyView, key: PolicyKey): string | undefined {
  const value = policyEntry(policy, key)?.value;
  return typeof value === "string" ? value : undefined;
}

/** The policy's yes or no for a key, locked or recommended. */
export function policyFlag(policy: PolicyView, key: PolicyKey): boolean | undefined {
  const value = policyEntry(policy, key)?.value;
  return typeof value === "boolean" ? value : undefined;
}

/** The demo tenant is offered unless the organisation locked it off. */
export function demoAllowed(policy: PolicyView): boolean {
  return !(isLocked(policy, "AllowDemoTenant") && policyFlag(policy, "AllowDemoTenant") === false);
}
