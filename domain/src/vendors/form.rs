//! Connect-form validation: required values, patterns, select options, URL shape; the split of
//! the values into settings and secrets.

use std::collections::BTreeMap;

use secrecy::SecretString;
use url::Url;

use super::{FieldErrors, FieldKind, ValidatedFields, VendorDefinition};

/// Longest value any field accepts (a key or URL is far shorter; this bounds what is stored).
const MAX_VALUE_LEN: usize = 4096;

impl VendorDefinition {
    /// Checks submitted form values (required, pattern, select options, URL shape) and splits
    /// them into non-secret settings and secrets. Values are trimmed; empty optional fields are
    /// left out (a select's default is applied). Unknown keys are ignored: the form is the
    /// definition's, not the browser's.
    pub fn validate_form(
        &self,
        submitted: &BTreeMap<String, String>,
    ) -> Result<ValidatedFields, FieldErrors> {
        let mut errors = BTreeMap::new();
        let mut settings = BTreeMap::new();
        let mut secrets = BTreeMap::new();
        for field in &self.form {
            let raw = submitted.get(&field.name).map(|v| v.trim()).unwrap_or("");
            let value = if raw.is_empty() {
                field.default.as_deref().unwrap_or("")
            } else {
                raw
            };
            if value.is_empty() {
                if field.required {
                    errors.insert(field.name.clone(), format!("{} is required.", field.label));
                }
                continue;
            }
            if let Err(message) = check_value(field, value) {
                errors.insert(field.name.clone(), message);
                continue;
            }
            match field.kind {
                FieldKind::Secret => {
                    secrets.insert(field.name.clone(), SecretString::from(value.to_owned()));
                }
                _ => {
                    settings.insert(field.name.clone(), value.to_owned());
                }
            }
        }
        if errors.is_empty() {
            Ok(ValidatedFields { settings, secrets })
        } else {
            Err(FieldErrors(errors))
        }
    }
}

fn check_value(field: &super::FormField, value: &str) -> Result<(), String> {
    if value.len() > MAX_VALUE_LEN {
        return Err(format!("{} is too long.", field.label));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "{} cannot contain control characters.",
            field.label
        ));
    }
    match &field.kind {
        FieldKind::Select { options } => {
            if !options.iter().any(|(v, _)| v == value) {
                let labels: Vec<&str> = options.iter().map(|(_, l)| l.as_str()).collect();
                return Err(format!("Choose one of: {}.", labels.join(", ")));
            }
        }
        FieldKind::Url => check_url(value)?,
        FieldKind::Secret | FieldKind::Text => {}
    }
    if let Some(pattern) = &field.pattern {
        if !pattern.is_match(value) {
            // A secret's value is never echoed; the help text says what is expected.
            return Err(match &field.help {
                Some(help) => format!("{} does not look right. {help}", field.label),
                None => format!("{} does not have the expected format.", field.label),
            });
        }
    }
    Ok(())
}

/// Shape only (https, host, no user name or password, no fragment); the outbound guard checks
/// the address itself at save and call time (MCP-4).
fn check_url(value: &str) -> Result<(), String> {
    let url =
        Url::parse(value).map_err(|_| "Enter a full URL, like https://host.example.".to_owned())?;
    if url.scheme() != "https" {
        return Err("The URL must start with https://.".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The URL must name a host.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("The URL cannot contain a user name or password.".into());
    }
    if url.fragment().is_some() {
        return Err("The URL cannot contain a #fragment.".into());
    }
    Ok(())
}
