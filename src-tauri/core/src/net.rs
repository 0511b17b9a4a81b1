//! What every HTTP client of the app shares: the proxy. By default the system's (Windows and macOS
//! settings, `HTTPS_PROXY`/`NO_PROXY`); the organisation's `HttpsProxy` policy replaces it where the
//! system proxy is only a PAC script, which is not run. Loopback always goes direct: the demo
//! tenant runs on 127.0.0.1.

use std::sync::{PoisonError, RwLock};

use crate::policy::Policy;

/// The policy's proxy and whether it is locked; `None` without one.
static POLICY_PROXY: RwLock<Option<(String, bool)>> = RwLock::new(None);

/// Takes the policy's proxy for every client built from now on (the app at start, `b2b` per run).
pub fn use_policy(policy: &Policy) {
    *POLICY_PROXY.write().unwrap_or_else(PoisonError::into_inner) = policy.https_proxy();
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// A client builder with the proxy in force: a locked policy proxy; a recommended one unless
/// `HTTPS_PROXY` or `ALL_PROXY` is set; otherwise the system's.
pub fn client_builder() -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    let chosen = POLICY_PROXY
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Some((url, locked)) = chosen else {
        return builder;
    };
    if !locked && env(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]).is_some() {
        return builder;
    }
    match reqwest::Proxy::all(&url) {
        Ok(proxy) => builder.proxy(proxy.no_proxy(bypass())),
        // The policy checked the address when it was read; reqwest refusing it anyway is said.
        Err(e) => {
            tracing::error!("policy HttpsProxy {url} is not usable ({e}); using the system proxy");
            builder
        }
    }
}

/// `NO_PROXY` as set, plus the loopback addresses.
fn bypass() -> Option<reqwest::NoProxy> {
    let mut list = env(&["NO_PROXY", "no_proxy"]).unwrap_or_default();
    if !list.is_empty() {
        list.push(',');
    }
    list.push_str("127.0.0.1,::1");
    reqwest::NoProxy::from_string(&list)
}
