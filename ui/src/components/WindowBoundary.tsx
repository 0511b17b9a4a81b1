import { Component, type ReactNode } from "react";
import { FormattedMessage } from "react-intl";
import { ErrorBar } from "./ErrorBar";

interface Props {
  children: ReactNode;
  /** A new value clears a failure: a page that failed is tried again when another is opened. */
  resetKey?: string;
}

interface State {
  failed: boolean;
  resetKey?: string;
}

/**
 * Catches what would otherwise blank the window: a code chunk that did not load, or a page that
 * failed to draw. The user reads a translated error and can reload the window; whatever the
 * backend holds (session, history, a running bulk conversion) is still there after the reload.
 * Plain elements only: it is in the main chunk, which holds no Fluent UI.
 */
export class WindowBoundary extends Component<Props, State> {
  state: State = { failed: false, resetKey: this.props.resetKey };

  static getDerivedStateFromError(): Partial<State> {
    return { failed: true };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { failed: false, resetKey: props.resetKey };
  }

  componentDidCatch(error: unknown) {
    // A chunk's URL or a component's stack: nothing secret reaches the window's code.
    console.error("part of the window failed", error);
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="b2b-stack" data-testid="window-failed">
        <ErrorBar code="ui_failed" />
        <div>
          <button type="button" className="b2b-button" onClick={() => window.location.reload()}>
            <FormattedMessage id="app.reload" />
          </button>
        </div>
      </div>
    );
  }
}
