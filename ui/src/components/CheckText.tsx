import { FormattedMessage } from "react-intl";
import type { CheckCode } from "../bindings/CheckCode";
import type { RowProblem } from "../bindings/RowProblem";
import type { Severity } from "../bindings/Severity";
import type { SkipReason } from "../bindings/SkipReason";
import type { MessageId } from "../i18n";
import { checkMessage, rowProblemMessages } from "../i18n/codes";

/** Characters Microsoft refuses in an invitation address (as convert::address_is_valid). */
const FORBIDDEN = "~!#$%^&*()+=[]{}\\/|;:\"<>?, ";

/** The first character of an address that Microsoft does not allow, if any. */
export function forbiddenChar(address: string): string | null {
  for (const c of address.trim()) {
    if (FORBIDDEN.includes(c) || /\p{Cc}/u.test(c)) return c;
  }
  return null;
}

/** A character named so that it can be seen: a space or a control character has no glyph. */
export function CharName({ char }: { char: string }) {
  if (char === " ") return <FormattedMessage id="check.char.space" />;
  if (/\p{Cc}/u.test(char)) return <FormattedMessage id="check.char.control" />;
  return <bdi dir="ltr">{`“${char}”`}</bdi>;
}

/** What the values of a check's sentence are, when known: a bulk row does not carry the names of
 * other holders or the on-premises UPN, and its sentences then do without them. */
export interface CheckValues {
  address: string;
  others?: string[];
  onPremUpn?: string | null;
}

/** One pre-flight check or row problem as a plain sentence in the user's language. */
export function CheckText({ code, severity, values }: { code: CheckCode; severity: Severity; values: CheckValues }) {
  let id: MessageId | undefined = checkMessage(code, severity);
  const char = code === "address_valid" && severity === "blocker" ? forbiddenChar(values.address) : null;
  if (char !== null) id = "check.address_valid.blockerChar";
  else if (code === "address_not_used_elsewhere" && severity === "blocker" && !values.others?.length)
    id = "check.address_not_used_elsewhere.blockerNoNames";
  else if (code === "not_synced_from_on_premises" && severity === "blocker" && !values.onPremUpn)
    id = "check.not_synced_from_on_premises.blockerNoUpn";
  // A pairing of code and severity the UI has no sentence for (a newer backend): named as it is.
  if (id === undefined) return <FormattedMessage id="check.unknown" values={{ code }} />;
  return (
    <FormattedMessage
      id={id}
      values={{
        address: <bdi dir="ltr">{values.address}</bdi>,
        others: <bdi dir="ltr">{(values.others ?? []).join(", ")}</bdi>,
        onPremUpn: <bdi dir="ltr">{values.onPremUpn ?? ""}</bdi>,
        char: char === null ? "" : <CharName char={char} />,
      }}
    />
  );
}

/** Why a bulk row was not run: a problem of the file's row, or the first check that blocked it. */
export function ReasonText({ code, address }: { code: SkipReason; address: string }) {
  if (isRowProblem(code)) return <FormattedMessage id={rowProblemMessages[code]} />;
  return <CheckText code={code} severity="blocker" values={{ address }} />;
}

function isRowProblem(code: SkipReason): code is RowProblem {
  return Object.hasOwn(rowProblemMessages, code);
}
