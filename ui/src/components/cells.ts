import { makeStyles } from "@fluentui/react-components";

/** Table cells that hold addresses and ids: one line, cut with an ellipsis (the full text is in
 * the cell's title), so that a long UPN never runs into the next column. */
export const useCellStyles = makeStyles({
  truncate: { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" },
});
