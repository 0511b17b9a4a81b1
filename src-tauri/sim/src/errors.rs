//! Error bodies in the shapes Microsoft documents (CONTRACT.md sections 3, 4 and 6).

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// UTC now as Graph writes `innerError.date`: "2023-07-14T08:43:39".
pub fn graph_date() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// UTC now in RFC 3339 with a Z, as Graph writes DateTimeOffset values.
pub fn rfc3339_now() -> String {
    format!("{}Z", graph_date())
}

/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub fn graph_error_body(code: &str, message: &str, client_request_id: Option<&str>) -> Value {
    // Graph makes up a client-request-id when the client sent none.
    let client = client_request_id
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let inner = json!({
        "date": graph_date(),
        "request-id": uuid::Uuid::new_v4().to_string(),
        "client-request-id": client,
    });
    json!({ "error": { "code": code, "message": message, "innerError": inner } })
}

/// A Graph error response. The request-id is also sent as the `request-id` header, as Graph does.
pub fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = graph_error_body(code, message, None);
    let request_id = body["error"]["innerError"]["request-id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut response = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", v);
    }
    response
}

pub fn not_found(id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

pub fn denied() -> Response {
    graph_error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

pub fn bad_request(code: &str, message: &str) -> Response {
    graph_error(StatusCode::BAD_REQUEST, code, message)
}

/// 401 with the `WWW-Authenticate` challenge Graph sends.
pub fn unauthorized(message: &str) -> Response {
    let mut response = graph_error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message);
    response.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Bearer realm=\"\", error=\"invalid_token\""),
    );
    response
}

/// The invitation service's answer to a caller without the role for it: 401 `Unauthorized`, as
/// observed (examples/error_invitation_app-insufficient-privileges_Unauthorized.json). No
/// `WWW-Authenticate` challenge: the token is valid, the privilege is missing (CONTRACT.md 9.5).
pub fn invite_unauthorized(tenant_id: &str) -> Response {
    graph_error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        &format!(
            "Insufficient privileges to perform requested operation by the application \
             '00000003-0000-0000-c000-000000000000'. ControllerName=MSGraphInviteAPI, \
             ActionName=CreateInvite, URL absolute path=/api/{tenant_id}/invites"
        ),
    )
}

/// The documented 429 (CONTRACT.md section 4), with a decimal Retry-After.
pub fn throttled(retry_after: &str) -> Response {
    let body = json!({
        "error": {
            "code": "TooManyRequests",
            "innerError": {
                "code": "429",
                "date": graph_date(),
                "message": "Please retry after",
                "request-id": uuid::Uuid::new_v4().to_string(),
                "status": "429"
            },
            "message": "Please retry again later."
        }
    });
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        headers.insert("retry-after", v);
    }
    headers.insert(
        "x-ms-throttle-information",
        HeaderValue::from_static("WriteLimitExceeded"),
    );
    headers.insert(
        "x-ms-throttle-scope",
        HeaderValue::from_static("Tenant_Application/ReadWrite/b2bc0a7e-5e1d-4c0b-9d1e-5e0000000001/tenant"),
    );
    (StatusCode::TOO_MANY_REQUESTS, headers, Json(body)).into_response()
}

pub fn unavailable() -> Response {
    let mut response = graph_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "serviceNotAvailable",
        "The service is temporarily unavailable. Please retry later.",
    );
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1.5"));
    response
}

/// An identity platform error: `{error, error_description: "AADSTSnnnn: ...", error_codes, ...}`.
pub fn identity_error(status: StatusCode, error: &str, aadsts: u32, text: &str) -> Response {
    (status, Json(identity_error_body(error, aadsts, text))).into_response()
}

pub fn identity_error_body(error: &str, aadsts: u32, text: &str) -> Value {
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let timestamp = graph_date().replace('T', " ") + "Z";
    json!({
        "error": error,
        "error_description": format!(
            "AADSTS{aadsts}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [aadsts],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_has_documented_shape() {
        let b = graph_error_body(
            "Request_BadRequest",
            "$count is not currently supported.",
            Some("c1"),
        );
        assert_eq!(b["error"]["code"], "Request_BadRequest");
        assert_eq!(b["error"]["innerError"]["client-request-id"], "c1");
        assert_eq!(b["error"]["innerError"]["date"].as_str().map(str::len), Some(19));
    }

    #[test]
    fn identity_error_has_documented_shape() {
        let b = identity_error_body(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed.",
        );
        assert_eq!(b["error_codes"][0], 54005);
        let d = b["error_description"].as_str().unwrap_or_default();
        assert!(d.starts_with("AADSTS54005: OAuth2"), "{d}");
        assert!(d.contains("\r\nTrace ID: "), "{d}");
        assert!(b["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.contains(' ')));
    }
}
