import { makeStyles, TableCell, useFluent } from "@fluentui/react-components";

/** Table cells that hold addresses and ids: one line, cut with an ellipsis (the full text is in
 * the cell's title), so that a long UPN never runs into the next column. */
export const useCellStyles = makeStyles({
  truncate: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
  // Left to right by its dir attribute: Griffel would mirror a `direction` here in Hebrew.
  ltr: { display: "block", overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
  // Headers may wrap, and a long compound word (Swedish, French) breaks instead of running into
  // the next header.
  header: { whiteSpace: "normal", overflowWrap: "anywhere", hyphens: "auto" },
  // Sentences in a cell: a long token (onPremisesUserPrincipalName) breaks instead of spilling.
  text: { overflowWrap: "anywhere" },
  // A table wider than the window scrolls on its own instead of clipping its columns.
  scroll: { overflowX: "auto", maxWidth: "100%" },
  // Minor columns step aside in a small window; the user's own page shows them.
  minor: { "@media (max-width: 1023px)": { display: "none" } },
});

/** An address or id in a table cell: isolated left to right, so that in Hebrew its start stays
 * visible and the ellipsis cuts its end; aligned with the page's reading start. */
export function LtrCell({ value, className }: { value: string; className?: string }) {
  const cells = useCellStyles();
  const rtl = useFluent().dir === "rtl";
  return (
    <TableCell title={value} className={className}>
      <span dir="ltr" className={cells.ltr} style={{ textAlign: rtl ? "right" : "left" }} data-ltr>
        {value}
      </span>
    </TableCell>
  );
}
