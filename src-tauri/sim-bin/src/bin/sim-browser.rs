//! `sim-browser URL`: plays a person's browser against the simulated tenant's sign-in page, for
//! tests and demos of apps that open "the system browser" (point `B2B_BROWSER` at this binary).
//! It opens the authorize URL, submits the sign-in form as `SIM_BROWSER_USER` (default
//! admin@contoso.com) with `SIM_BROWSER_PASSWORD` (default demo), and follows the redirect.
//! Like a browser, it reaches `localhost` on 127.0.0.1 or ::1, whichever listens.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: sim-browser AUTHORIZE_URL");
        return ExitCode::from(2);
    };
    let user = std::env::var("SIM_BROWSER_USER").unwrap_or_else(|_| "admin@contoso.com".into());
    let password = std::env::var("SIM_BROWSER_PASSWORD").unwrap_or_else(|_| "demo".into());
    let action = std::env::var("SIM_BROWSER_ACTION").unwrap_or_else(|_| "signin".into());
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sim-browser: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(browse(&url, &user, &password, &action)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sim-browser: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn browse(url: &str, user: &str, password: &str, action: &str) -> Result<(), String> {
    // Browsers resolve localhost to both loopback addresses, whatever the hosts file says; port 0
    // keeps the URL's port.
    let loopback = [
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0)),
    ];
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs("localhost", &loopback)
        .build()
        .map_err(|e| e.to_string())?;
    let page = http.get(url).send().await.map_err(|e| e.to_string())?;
    if !page.status().is_success() {
        let status = page.status();
        let text = page.text().await.unwrap_or_default();
        let code = text
            .find("AADSTS")
            .map(|i| text[i..].chars().take_while(|c| *c != ':').collect::<String>())
            .unwrap_or_default();
        return Err(format!("the sign-in page answered {status} {code}"));
    }
    let (base, query) = url.split_once('?').ok_or("the URL has no query")?;
    let mut form: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let dec = |s: &str| {
                urlencoding::decode(&s.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (dec(k), dec(v))
        })
        .collect();
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    form.push(("action".into(), action.into()));
    let r = http
        .post(base)
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("no redirect after sign-in (status {})", r.status()))?
        .to_owned();
    http.get(&location).send().await.map_err(|e| e.to_string())?;
    Ok(())
}
