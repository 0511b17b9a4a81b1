// Sponsors as the admin types them and as the directory names them. The same rules as the Rust
// side (b2b_core::sponsors): up to five UPNs or object ids, separated by |, commas, semicolons or
// spaces; the backend checks them again and says which one Microsoft does not know.
import { useEffect, useRef, useState } from "react";
import { Field, Input } from "@fluentui/react-components";
import { FormattedMessage, useIntl } from "react-intl";
import type { Sponsor } from "./bindings/Sponsor";
import { api } from "./ipc";

/** Microsoft's maximum of sponsors per user (learn.microsoft.com entra/external-id/b2b-sponsors). */
export const MAX_SPONSORS = 5;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The entries of a sponsors field, duplicates (ignoring case) dropped. */
export function parseSponsors(text: string): string[] {
  const out: string[] = [];
  for (const s of text.split(/[|,;\s]+/)) {
    if (s !== "" && !out.some((o) => o.toLowerCase() === s.toLowerCase())) out.push(s);
  }
  return out;
}

export function sponsorEntryOk(s: string): boolean {
  if (GUID.test(s)) return true;
  const at = s.indexOf("@");
  return at > 0 && s.slice(at + 1).includes(".");
}

/** What is wrong with a sponsors field, if anything. */
export type SponsorsProblem = { kind: "tooMany" } | { kind: "invalid"; entry: string } | null;

export function sponsorsProblem(list: string[]): SponsorsProblem {
  if (list.length > MAX_SPONSORS) return { kind: "tooMany" };
  const bad = list.find((s) => !sponsorEntryOk(s));
  return bad === undefined ? null : { kind: "invalid", entry: bad };
}

export function SponsorsProblemText({ problem }: { problem: NonNullable<SponsorsProblem> }) {
  return problem.kind === "tooMany" ? (
    <FormattedMessage id="sponsors.tooMany" values={{ max: MAX_SPONSORS }} />
  ) : (
    <FormattedMessage id="sponsors.invalid" values={{ entry: <bdi dir="ltr">{problem.entry}</bdi> }} />
  );
}

/** One sponsor: the name and UPN of a user, the name of a group, else its id. */
export function SponsorName({ sponsor }: { sponsor: Sponsor }) {
  const name = sponsor.displayName;
  const upn = sponsor.userPrincipalName;
  return (
    <span data-testid="sponsor" data-kind={sponsor.kind}>
      {name && <bdi>{name}</bdi>}
      {name && upn && " "}
      {upn ? <bdi dir="ltr">{name ? `(${upn})` : upn}</bdi> : !name && <bdi dir="ltr">{sponsor.id}</bdi>}
      {sponsor.kind === "group" && (
        <>
          {" · "}
          <FormattedMessage id="sponsors.group" />
        </>
      )}
    </span>
  );
}

/** A user's sponsors: `null` means Graph would not say (unknown, not none). */
export function SponsorList({ sponsors }: { sponsors: Sponsor[] | null | undefined }) {
  if (sponsors === null || sponsors === undefined) {
    return (
      <span data-testid="sponsors-unknown">
        <FormattedMessage id="sponsors.unknown" />
      </span>
    );
  }
  if (sponsors.length === 0) {
    return (
      <span data-testid="sponsors-none">
        <FormattedMessage id="sponsors.none" />
      </span>
    );
  }
  return (
    <ul data-testid="sponsors" style={{ margin: 0, paddingInlineStart: "1.2em" }}>
      {sponsors.map((s) => (
        <li key={s.id}>
          <SponsorName sponsor={s} />
        </li>
      ))}
    </ul>
  );
}

export interface SponsorsState {
  text: string;
  locked: boolean;
  /** The entries to send (none when the field is not in use). */
  list: string[];
  problem: SponsorsProblem;
  edit: (text: string) => void;
}

/** The sponsors field's state: it starts from the organisation's default sponsors (and keeps them
 * when the organisation locks them); empty leaves Microsoft's default, the admin. */
export function useSponsors(inUse: boolean): SponsorsState {
  const [text, setText] = useState("");
  const [locked, setLocked] = useState(false);
  const touched = useRef(false);
  useEffect(() => {
    if (!inUse) return;
    let live = true;
    api.getDefaultSponsors().then(
      (v) => {
        if (!live) return;
        setLocked(v.locked);
        if (!touched.current || v.locked) setText(v.sponsors.join(" "));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [inUse]);
  const list = inUse ? parseSponsors(text) : [];
  return {
    text,
    locked,
    list,
    problem: sponsorsProblem(list),
    edit: (t: string) => {
      touched.current = true;
      setText(t);
    },
  };
}

/** Up to five sponsors, in the convert panel and on the Invite page. */
export function SponsorsField({ state, setByOrganisation }: { state: SponsorsState; setByOrganisation: string }) {
  const intl = useIntl();
  return (
    <Field
      label={intl.formatMessage({ id: "sponsors.field" })}
      hint={state.locked ? setByOrganisation : intl.formatMessage({ id: "sponsors.hint" }, { max: MAX_SPONSORS })}
      validationState={state.problem ? "error" : "none"}
      validationMessage={state.problem ? <SponsorsProblemText problem={state.problem} /> : undefined}
    >
      <Input dir="ltr" value={state.text} disabled={state.locked} onChange={(_, d) => state.edit(d.value)} data-testid="sponsors-input" />
    </Field>
  );
}
