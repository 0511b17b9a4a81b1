import { StrictMode } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { readBoot } from "./boot";
import { applyDocumentLanguage } from "./i18n";
import "./plain.css";

const root = document.getElementById("root");
if (root) {
  const boot = readBoot();
  if (boot) applyDocumentLanguage(boot.language.effective);
  const app = createRoot(root);
  // Rendered before this script returns: with the boot data the first screen is complete, and
  // WebKit paints it first instead of a blank page and then the screen (a second set of paint
  // buffers, about 10 MB, kept while idle).
  flushSync(() =>
    app.render(
      <StrictMode>
        <App boot={boot} />
      </StrictMode>,
    ),
  );
}
