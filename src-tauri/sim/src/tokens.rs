//! Tokens. Access and id tokens are JWTs (HS256 with a key made at start-up) that carry the
//! account, tenant, scopes and expiry, so Graph can check them without a lookup. Clients must treat
//! access tokens as opaque, as they must with Entra's. Refresh tokens and codes are opaque random
//! strings kept in the simulator's state.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The claims of a Graph access token (the subset the simulator and the app use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub oid: String,
    pub upn: String,
    pub name: String,
    /// Space-separated delegated scopes, short form ("User.Read User.Invite.All").
    pub scp: String,
    pub appid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub ver: String,
    /// A unique token id, as Entra's `uti`: two tokens are never equal.
    #[serde(default)]
    pub uti: String,
}

impl AccessClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scp.split(' ').any(|s| s.eq_ignore_ascii_case(scope))
    }
    pub fn has_any_scope(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.has_scope(s))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdClaims {
    pub aud: String,
    pub iss: String,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    pub preferred_username: String,
    pub name: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub ver: String,
}

/// A refresh token's grant. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshClaims {
    /// The user's object id.
    pub sub: String,
    /// The client it was issued to.
    pub cid: String,
    pub scp: String,
    /// Issued at, in milliseconds: compared with the user's revocation time.
    pub iat_ms: i64,
    pub exp: i64,
    /// Unique id: two refresh tokens are never equal.
    pub rti: String,
}

impl HasExpiry for RefreshClaims {
    fn exp(&self) -> i64 {
        self.exp
    }
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn now_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs claims as a compact JWT.
pub fn sign<T: Serialize>(key: &[u8], claims: &T) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(mac(key, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    match HmacSha256::new_from_slice(key) {
        Ok(mut m) => {
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

/// Verifies the signature and the expiry (with no leeway) and returns the claims.
pub fn verify<T>(key: &[u8], token: &str, now: i64) -> Result<T, TokenError>
where
    T: for<'de> Deserialize<'de> + HasExpiry,
{
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Malformed)?;
    let mut m = HmacSha256::new_from_slice(key).map_err(|_| TokenError::Malformed)?;
    m.update(format!("{h}.{p}").as_bytes());
    m.verify_slice(&signature).map_err(|_| TokenError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD.decode(p).map_err(|_| TokenError::Malformed)?;
    let claims: T = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
    if claims.exp() <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

pub trait HasExpiry {
    fn exp(&self) -> i64;
}
impl HasExpiry for AccessClaims {
    fn exp(&self) -> i64 {
        self.exp
    }
}
impl HasExpiry for IdClaims {
    fn exp(&self) -> i64 {
        self.exp
    }
}

/// A random URL-safe opaque string of `bytes` random bytes.
pub fn opaque(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::Rng::fill(&mut rand::rng(), buf.as_mut_slice());
    URL_SAFE_NO_PAD.encode(buf)
}

/// PKCE S256: BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 section 4.2).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            aud: "https://graph.microsoft.com".into(),
            iss: "iss".into(),
            tid: "t".into(),
            oid: "o".into(),
            upn: "a@contoso.com".into(),
            name: "A".into(),
            scp: "User.Read User.Invite.All".into(),
            appid: "app".into(),
            iat: 0,
            nbf: 0,
            exp,
            ver: "1.0".into(),
            uti: "u".into(),
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let key = b"k";
        let t = sign(key, &claims(100));
        let c: AccessClaims = verify(key, &t, 50).expect("valid");
        assert!(c.has_scope("user.invite.all"));
        assert!(!c.has_scope("User.ReadWrite.All"));
        assert_eq!(verify::<AccessClaims>(key, &t, 100), Err(TokenError::Expired));
        assert_eq!(
            verify::<AccessClaims>(b"other", &t, 50),
            Err(TokenError::BadSignature)
        );
        assert_eq!(verify::<AccessClaims>(key, "a.b", 50), Err(TokenError::Malformed));
        let forged = sign(b"attacker", &claims(1_000));
        assert_eq!(
            verify::<AccessClaims>(key, &forged, 50),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
