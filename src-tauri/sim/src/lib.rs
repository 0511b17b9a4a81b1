//! A simulated Microsoft Entra tenant: the Microsoft identity platform (`/{tenant}/oauth2/v2.0/...`)
//! and the part of Microsoft Graph v1.0 that B2B Convert calls, on one loopback port, with a seeded
//! directory, fault injection and test hooks under `/_sim/`. It knows nothing of the app.
//!
//! Behaviour follows `shared/graph-contract/CONTRACT.md`; where the contract is unsure, the
//! simulator picks the stricter behaviour and says so in a comment.

// Handlers short-circuit with a ready `Response` as their error; boxing it would add noise, not speed.
#![allow(clippy::result_large_err)]

pub mod errors;
pub mod faults;
mod graph;
mod hooks;
mod identity;
pub mod model;
pub mod odata;
mod replication;
pub mod seed;
mod server;
mod state;
pub mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use faults::{Faults, Throttle};
pub use model::Directory;
pub use state::SimState;

/// The client id of B2B Convert's demo registration, known to the simulated tenant.
pub const DEMO_CLIENT_ID: &str = "b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001";
/// Microsoft Graph Command Line Tools, which many admin tools reuse (CONTRACT.md section 6).
pub const GRAPH_CLI_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// How to start a simulator.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// 0 picks a free port.
    pub port: u16,
    /// A directory JSON file; the default seed when `None`.
    pub seed: Option<PathBuf>,
    /// Faults in force from the start (they can be changed at run time through `/_sim/faults`).
    pub faults: Faults,
    /// The token signing key; random when `None`. Keep one to make sign-ins outlive a restart.
    pub signing_key: Option<[u8; 32]>,
    /// Serve HTTPS with this certificate (for `localhost`) instead of HTTP.
    pub tls: Option<SimTls>,
}

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone, Default)]
pub struct SimTls {
    pub cert_chain_pem: String,
    pub key_pem: String,
}

impl SimTls {
    fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, StartError> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |e: String| StartError::Tls(e);
        let certs = CertificateDer::pem_slice_iter(self.cert_chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("certificate: {e}")))?;
        let key =
            PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|e| bad(format!("key: {e}")))?;
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad(e.to_string()))?;
        Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error("TLS: {0}")]
    Tls(String),
}

/// A running simulator. Dropping it shuts it down.
pub struct SimServer {
    addr: SocketAddr,
    base_url: String,
    state: Arc<SimState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Binds 127.0.0.1 only and serves until shut down. Must run inside a tokio runtime.
    pub async fn start(config: SimConfig) -> Result<SimServer, StartError> {
        let directory = match &config.seed {
            Some(path) => seed::load(path)?,
            None => seed::default_directory(),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| StartError::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            port: config.port,
            source,
        })?;
        let acceptor = config.tls.as_ref().map(SimTls::acceptor).transpose()?;
        let base_url = match acceptor {
            Some(_) => format!("https://localhost:{}", addr.port()),
            None => format!("http://{addr}"),
        };
        let state = Arc::new(SimState::new(
            directory,
            config.faults,
            base_url.clone(),
            config.signing_key,
        ));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server::serve(listener, state.clone(), rx, acceptor));
        Ok(SimServer {
            addr,
            base_url,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// e.g. `http://127.0.0.1:54321`, or `https://localhost:54321` with TLS (no trailing slash).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The live state, for tests that want to look inside without HTTP.
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop();
    }
}
