//! `$orderby` for `/users`.

use super::ODataError;

/// `$orderby` for /users: "displayName" or "userPrincipalName", optional " asc"/" desc".
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub property: String,
    pub descending: bool,
}

impl OrderBy {
    pub fn parse(input: &str) -> Result<OrderBy, ODataError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ODataError::BadRequest(
                "Syntax error: the $orderby value is empty.".to_string(),
            ));
        }
        if input.contains(',') {
            // Multiple sort keys: not something Graph's directory documents; reject (stricter).
            return Err(ODataError::Unsupported(
                "Sorting not supported for current query.".to_string(),
            ));
        }
        let mut parts = input.split_whitespace();
        let prop = parts.next().unwrap_or_default();
        let descending = match parts.next() {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("asc") => false,
            Some(d) if d.eq_ignore_ascii_case("desc") => true,
            Some(other) => {
                return Err(ODataError::BadRequest(format!(
                    "Syntax error: '{other}' is not a valid sort direction in '{input}'."
                )))
            }
        };
        if let Some(extra) = parts.next() {
            return Err(ODataError::BadRequest(format!(
                "Syntax error: unexpected '{extra}' in $orderby value '{input}'."
            )));
        }
        let property = ["displayName", "userPrincipalName"]
            .into_iter()
            .find(|p| p.eq_ignore_ascii_case(prop))
            .ok_or_else(|| {
                ODataError::Unsupported(format!("Unsupported sort property '{prop}' for 'User'."))
            })?;
        Ok(OrderBy {
            property: property.to_string(),
            descending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orderby_parsing() {
        assert_eq!(
            OrderBy::parse("displayName"),
            Ok(OrderBy {
                property: "displayName".into(),
                descending: false
            })
        );
        assert_eq!(
            OrderBy::parse(" userprincipalname DESC "),
            Ok(OrderBy {
                property: "userPrincipalName".into(),
                descending: true
            })
        );
        assert_eq!(OrderBy::parse("displayName asc").map(|o| o.descending), Ok(false));
        assert_eq!(
            OrderBy::parse("createdDateTime desc"),
            Err(ODataError::Unsupported(
                "Unsupported sort property 'createdDateTime' for 'User'.".into()
            ))
        );
        assert!(matches!(
            OrderBy::parse("displayName sideways"),
            Err(ODataError::BadRequest(_))
        ));
        assert!(matches!(OrderBy::parse(""), Err(ODataError::BadRequest(_))));
        assert!(matches!(
            OrderBy::parse("displayName asc extra"),
            Err(ODataError::BadRequest(_))
        ));
        assert!(matches!(
            OrderBy::parse("displayName,userPrincipalName"),
            Err(ODataError::Unsupported(_))
        ));
    }
}
